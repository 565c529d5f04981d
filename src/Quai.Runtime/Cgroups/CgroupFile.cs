using System.Globalization;
using System.Text;
using Quai.Interop;

namespace Quai.Runtime.Cgroups;

/// <summary>
/// Reads and writes cgroup control files with one syscall per value, so that the kernel's
/// errno comes back verbatim; errors name both the file and the value
/// (<c>write 100 to /sys/fs/cgroup/memory/x/memory.limit_in_bytes: EBUSY (...)</c>).
/// </summary>
public static unsafe class CgroupFile
{
    /// <summary>Writes <paramref name="value"/> to <c>dir/file</c>; throws <see cref="ErrnoException"/> naming file and value.</summary>
    public static void Write(string dir, string file, string value) => WritePath(Path.Combine(dir, file), value);

    public static void WritePath(string path, string value)
    {
        int fd = Libc.Open(path, O.WRONLY | O.CLOEXEC | O.TRUNC, 0);
        if (fd < 0) throw new ErrnoException($"write {value} to {path}", Libc.LastErrno);
        try
        {
            byte[] bytes = Encoding.UTF8.GetBytes(value);
            fixed (byte* p = bytes)
            {
                nint rc;
                do { rc = Libc.Write(fd, p, bytes.Length); }
                while (rc < 0 && Libc.LastErrno == Errno.EINTR);
                if (rc < 0) throw new ErrnoException($"write {value} to {path}", Libc.LastErrno);
            }
        }
        finally { Libc.Close(fd); }
    }

    /// <summary>Writes only when the file exists (optional knobs); returns whether it was written.</summary>
    public static bool WriteIfExists(string dir, string file, string value)
    {
        if (!File.Exists(Path.Combine(dir, file))) return false;
        Write(dir, file, value);
        return true;
    }

    public static bool Exists(string dir, string file) => File.Exists(Path.Combine(dir, file));

    /// <summary>Reads the whole file; throws <see cref="ErrnoException"/> naming the file.</summary>
    public static string Read(string dir, string file) => ReadPath(Path.Combine(dir, file));

    public static string ReadPath(string path)
    {
        int fd = Libc.Open(path, O.RDONLY | O.CLOEXEC, 0);
        if (fd < 0) throw new ErrnoException($"open {path}", Libc.LastErrno);
        try
        {
            var ms = new MemoryStream();
            byte* buf = stackalloc byte[8192];
            while (true)
            {
                nint n = Libc.Read(fd, buf, 8192);
                if (n < 0)
                {
                    if (Libc.LastErrno == Errno.EINTR) continue;
                    throw new ErrnoException($"read {path}", Libc.LastErrno);
                }
                if (n == 0) break;
                ms.Write(new ReadOnlySpan<byte>(buf, (int)n));
            }
            return Encoding.UTF8.GetString(ms.GetBuffer(), 0, (int)ms.Length);
        }
        finally { Libc.Close(fd); }
    }

    public static string? TryRead(string dir, string file)
    {
        try { return Read(dir, file); }
        catch (ErrnoException) { return null; }
    }

    /// <summary>Parses a single unsigned value; "max" maps to <see cref="ulong.MaxValue"/>, negative to 0.</summary>
    public static ulong ParseUint(string s, string pathForErrors)
    {
        s = s.Trim();
        if (s == "max") return ulong.MaxValue;
        if (ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v)) return v;
        if (long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) && l < 0) return 0;
        throw new CgroupException($"unable to parse {pathForErrors}: invalid value \"{s}\"");
    }

    public static ulong ReadUint(string dir, string file) => ParseUint(Read(dir, file), Path.Combine(dir, file));

    public static ulong ReadUintOrZero(string dir, string file)
    {
        var s = TryRead(dir, file);
        return string.IsNullOrWhiteSpace(s) ? 0 : ParseUint(s, Path.Combine(dir, file));
    }

    /// <summary>Parses "key value" lines (memory.stat, cpu.stat, ...).</summary>
    public static Dictionary<string, ulong> ReadKeyValues(string dir, string file)
    {
        var result = new Dictionary<string, ulong>(StringComparer.Ordinal);
        var text = TryRead(dir, file);
        if (text == null) return result;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2) continue;
            result[parts[0]] = ParseUint(parts[1], Path.Combine(dir, file));
        }
        return result;
    }

    internal static string Str(long v) => v.ToString(CultureInfo.InvariantCulture);
    internal static string Str(ulong v) => v.ToString(CultureInfo.InvariantCulture);
}
