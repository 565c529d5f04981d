using System.Buffers.Binary;
using System.Net.Sockets;

namespace Quai.Engine.Monitor;

/// <summary>The attach socket (&lt;container dir&gt;/attach.sock). Monitor → client: frames of
/// [1 byte stream: 1 stdout, 2 stderr, 3 exit][4 bytes big-endian length][payload]; the exit frame's
/// payload is the exit code in ASCII. Client → monitor: the raw bytes of stdin; shutting down the
/// write side closes the container's stdin.</summary>
public static class AttachProtocol
{
    public const byte Stdout = 1, Stderr = 2, Exit = 3;

    public static byte[] Frame(byte stream, ReadOnlySpan<byte> data)
    {
        var f = new byte[5 + data.Length];
        f[0] = stream;
        BinaryPrimitives.WriteInt32BigEndian(f.AsSpan(1), data.Length);
        data.CopyTo(f.AsSpan(5));
        return f;
    }

    /// <summary>Connects through /proc/self/fd of the container directory: socket paths are limited
    /// to 108 bytes, store roots are not.</summary>
    public static Socket Connect(string dir)
    {
        var fd = Quai.Interop.Libc.Open(dir, Quai.Interop.O.RDONLY | Quai.Interop.O.DIRECTORY | Quai.Interop.O.CLOEXEC, 0);
        if (fd < 0) throw Quai.Interop.ErrnoException.FromLast($"open {dir}");
        try
        {
            var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            s.Connect(new UnixDomainSocketEndPoint($"/proc/self/fd/{fd}/attach.sock"));
            return s;
        }
        finally { Quai.Interop.Libc.Close(fd); }
    }

    public static Socket Listen(string dir)
    {
        var fd = Quai.Interop.Libc.Open(dir, Quai.Interop.O.RDONLY | Quai.Interop.O.DIRECTORY | Quai.Interop.O.CLOEXEC, 0);
        if (fd < 0) throw Quai.Interop.ErrnoException.FromLast($"open {dir}");
        try
        {
            File.Delete(Path.Combine(dir, "attach.sock"));
            var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            s.Bind(new UnixDomainSocketEndPoint($"/proc/self/fd/{fd}/attach.sock"));
            File.SetUnixFileMode($"/proc/self/fd/{fd}/attach.sock", Quai.Fs.PrivateStore.FileMode); // root's only, as the store
            s.Listen(16);
            return s;
        }
        finally { Quai.Interop.Libc.Close(fd); }
    }

    /// <summary>Client side: copies frames to the writers until the exit frame; returns the exit code
    /// (or null when the connection ended without one).</summary>
    public static int? Pump(Socket s, Stream stdout, Stream stderr)
    {
        var header = new byte[5];
        var buf = new byte[65536];
        while (true)
        {
            if (!ReadExactly(s, header, 5)) return null;
            var len = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1));
            if (len > buf.Length) buf = new byte[len];
            if (!ReadExactly(s, buf, len)) return null;
            switch (header[0])
            {
                case Stdout: stdout.Write(buf, 0, len); stdout.Flush(); break;
                case Stderr: stderr.Write(buf, 0, len); stderr.Flush(); break;
                case Exit: return int.Parse(System.Text.Encoding.ASCII.GetString(buf, 0, len));
            }
        }
    }

    private static bool ReadExactly(Socket s, byte[] buf, int len)
    {
        var off = 0;
        while (off < len)
        {
            int n;
            try { n = s.Receive(buf, off, len - off, SocketFlags.None); }
            catch (SocketException) { return false; }
            if (n <= 0) return false;
            off += n;
        }
        return true;
    }
}
