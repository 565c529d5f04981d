using System.Formats.Tar;
using System.Text;
using Quai.Interop;

namespace Quai.Fs;

/// <summary>Tar headers from what fstat and the xattr calls said about a file: the one place layer diffs
/// (DiffWriter) and cp/export (TreeArchiver) turn an inode into a PAX entry.</summary>
public static class TarEntries
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>Mode, owner, mtime, link target and device numbers from <paramref name="st"/>; the xattrs a layer
    /// may carry (<see cref="TarExtractor.XattrAllowed"/>) as SCHILY.xattr records. PAX records are UTF-8 text and
    /// System.Formats.Tar cannot carry binary values, so those are left out.</summary>
    public static PaxTarEntry FromStat(TarEntryType type, string name, NativeFs.Stat st, string? link, IEnumerable<(string Name, byte[] Value)>? xattrs)
    {
        var attrs = new Dictionary<string, string>();
        foreach (var (xname, value) in xattrs ?? [])
            if (TarExtractor.XattrAllowed(xname) && Utf8(value) is { } text) attrs["SCHILY.xattr." + xname] = text;
        var e = new PaxTarEntry(type, name, attrs)
        {
            Mode = (UnixFileMode)(st.Mode & 0xFFF),
            Uid = (int)st.Uid,
            Gid = (int)st.Gid,
            ModificationTime = DateTimeOffset.FromUnixTimeSeconds(st.Mtime.Sec).AddTicks(st.Mtime.Nsec / 100),
        };
        if (link is not null) e.LinkName = link;
        if (type is TarEntryType.CharacterDevice or TarEntryType.BlockDevice)
        {
            var (major, minor) = NativeFs.SplitDev(st.Rdev);
            e.DeviceMajor = (int)major;
            e.DeviceMinor = (int)minor;
        }
        return e;
    }

    private static string? Utf8(byte[] value)
    {
        try { return StrictUtf8.GetString(value); }
        catch (DecoderFallbackException) { return null; }
    }
}
