using System.Formats.Tar;
using System.IO.Compression;
using Quai.Fs;
using SharpCompress.Compressors.BZip2;
using SharpCompress.Compressors.Xz;

namespace Quai.Build.Executor;

/// <summary>How a file's content is compressed, told by its first bytes (never by its name).</summary>
internal enum ArchiveCompression { None, Gzip, Bzip2, Xz, Zstd }

/// <summary>ADD of a local archive, as Docker does it: a tar, plain or compressed with gzip, bzip2, xz or zstd
/// (told by content, not by name), is extracted into the destination directory; anything else (a gzip of a
/// non-tar included) is copied as a file.
/// <para>The archive is hostile. Entry names are cleaned and taken below the destination (<c>/etc/x</c> is
/// <c>DEST/etc/x</c>); an entry whose name, hardlink target or relative symlink target climbs out of the
/// destination with <c>..</c> is refused, as Docker refuses it ("breakout"); an entry that would be written
/// through a symlink the same archive made, a hardlink to something the archive did not write, and device
/// nodes are refused too. The error names the archive and the entry; the step fails before its layer exists,
/// so nothing of the archive reaches an image. Nothing is written on the host: the entries go into the
/// layer's tar, which the store's in-root extractor applies.</para></summary>
internal static class ArchiveSource
{
    /// <summary>The compression the first bytes of a stream say (at least 6 bytes wanted).</summary>
    public static ArchiveCompression Detect(ReadOnlySpan<byte> head) => head switch
    {
        [0x1f, 0x8b, ..] => ArchiveCompression.Gzip,
        [(byte)'B', (byte)'Z', (byte)'h', ..] => ArchiveCompression.Bzip2,
        [0xfd, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0x00, ..] => ArchiveCompression.Xz,
        [0x28, 0xb5, 0x2f, 0xfd, ..] => ArchiveCompression.Zstd,
        _ => ArchiveCompression.None,
    };

    /// <summary>The decompressed view of <paramref name="raw"/> (disposing it disposes <paramref name="raw"/>).</summary>
    public static Stream Decompress(Stream raw, ArchiveCompression c) => c switch
    {
        ArchiveCompression.Gzip => new GZipStream(raw, System.IO.Compression.CompressionMode.Decompress),
        ArchiveCompression.Bzip2 => BZip2Stream.Create(raw, SharpCompress.Compressors.CompressionMode.Decompress, decompressConcatenated: true, leaveOpen: false, tolerateTruncatedStream: false),
        ArchiveCompression.Xz => new XZStream(raw),
        ArchiveCompression.Zstd => new ZstdSharp.DecompressionStream(raw),
        _ => raw,
    };

    /// <summary>True when a 512-byte block is a tar header: its checksum (unsigned or signed, as Go's archive/tar
    /// accepts) is right. An all-zero block (the end of an empty archive) is not: Docker copies an empty tar as a file.</summary>
    public static bool IsTarHeader(ReadOnlySpan<byte> block)
    {
        if (block.Length < 512) return false;
        var field = block.Slice(148, 8);
        long stored = 0;
        bool digits = false;
        foreach (var b in field)
        {
            if (b is >= (byte)'0' and <= (byte)'7') { stored = stored * 8 + (b - '0'); digits = true; }
            else if (b is 0 or (byte)' ') { if (digits) break; }
            else return false;
        }
        if (!digits) return false;
        long unsigned = 0, signed = 0;
        for (int i = 0; i < 512; i++)
        {
            var b = i is >= 148 and < 156 ? (byte)' ' : block[i];
            unsigned += b;
            signed += (sbyte)b;
        }
        return stored == unsigned || stored == signed;
    }

    /// <summary>Opens a file's content as an uncompressed tar when it is one, else null. <paramref name="open"/> is
    /// called once to look and, for an archive, once more for the stream returned.</summary>
    public static Stream? TryOpenTar(Func<Stream> open)
    {
        var compression = ArchiveCompression.None;
        using (var raw = open())
        {
            var head = new byte[6];
            int n = raw.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            compression = Detect(head.AsSpan(0, n));
        }
        try
        {
            using var s = Decompress(open(), compression);
            var block = new byte[512];
            if (s.ReadAtLeast(block, 512, throwOnEndOfStream: false) < 512 || !IsTarHeader(block)) return null;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or FormatException or ArgumentException or InvalidOperationException
                                   or SharpCompress.Common.ArchiveException or ZstdSharp.ZstdException or IndexOutOfRangeException)
        {
            return null; // not what its first bytes said: Docker copies it as it is
        }
        return Decompress(open(), compression);
    }

    /// <summary>Lexically cleans an entry name below the destination; null when it climbs out of it.</summary>
    public static string? CleanName(string name)
    {
        var parts = new List<string>();
        foreach (var p in name.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (p == ".") continue;
            if (p == "..")
            {
                if (parts.Count == 0) return null;
                parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(p);
        }
        return string.Join('/', parts);
    }

    /// <summary>True when a symlink at <paramref name="entry"/> (clean, relative to the destination) pointing at
    /// <paramref name="target"/> stays inside the destination, by Docker's rule: an absolute target is taken
    /// below the destination, a relative one from the link's directory, and may not climb above the destination.</summary>
    public static bool SymlinkStaysInside(string entry, string target)
    {
        if (target.StartsWith('/')) return CleanName(target) is not null;
        var slash = entry.LastIndexOf('/');
        var dir = slash < 0 ? "" : entry[..slash];
        return CleanName(dir + "/" + target) is not null;
    }

    /// <summary>Writes the entries of <paramref name="tar"/> below <paramref name="destDir"/> (relative to the image
    /// root, "" for the root) into <paramref name="layer"/>. Without --chown an entry keeps the archive's owner,
    /// without --chmod its mode; it keeps its modification time.</summary>
    /// <exception cref="BuildException">a hostile or unsupported entry (the message names <paramref name="archiveName"/>
    /// and the entry), or a malformed archive.</exception>
    public static void Extract(Stream tar, string archiveName, string destDir, LayerTar layer, (uint Uid, uint Gid)? owner, ChmodSpec? chmod, string where)
    {
        var links = new HashSet<string>(StringComparer.Ordinal);   // symlinks this archive made
        var written = new HashSet<string>(StringComparer.Ordinal); // what it wrote (hardlink targets)
        BuildException Refuse(string entry, string why) => new($"{where}: ADD {archiveName}: entry \"{entry}\": {why}; refusing the archive");
        try
        {
            using var r = new TarReader(tar, leaveOpen: false);
            while (r.GetNextEntry(copyData: false) is { } e)
            {
                if (e.EntryType is TarEntryType.GlobalExtendedAttributes) continue;
                var rel = CleanName(e.Name) ?? throw Refuse(e.Name, $"it is outside of the destination {Show(destDir)}");
                if (rel.Length == 0 && e.EntryType == TarEntryType.Directory) continue;
                if (rel.Length == 0) throw Refuse(e.Name, "an entry without a name");
                for (int slash = rel.IndexOf('/'); slash > 0; slash = rel.IndexOf('/', slash + 1))
                    if (links.Contains(rel[..slash])) throw Refuse(e.Name, $"it goes through the symbolic link \"{rel[..slash]}\" the archive made");
                var name = destDir.Length == 0 ? rel : destDir + "/" + rel;
                TarEntryType type;
                switch (e.EntryType)
                {
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile: type = TarEntryType.RegularFile; break;
                    case TarEntryType.Directory: type = TarEntryType.Directory; break;
                    case TarEntryType.Fifo: type = TarEntryType.Fifo; break;
                    case TarEntryType.SymbolicLink:
                        if (!SymlinkStaysInside(rel, e.LinkName)) throw Refuse(e.Name, $"the symbolic link to \"{e.LinkName}\" points outside of the destination {Show(destDir)}");
                        type = TarEntryType.SymbolicLink;
                        break;
                    case TarEntryType.HardLink:
                        var target = CleanName(e.LinkName);
                        if (target is null) throw Refuse(e.Name, $"the hard link to \"{e.LinkName}\" points outside of the destination {Show(destDir)}");
                        if (!written.Contains(target)) throw Refuse(e.Name, $"the hard link to \"{e.LinkName}\" names no file the archive holds before it");
                        type = TarEntryType.HardLink;
                        break;
                    case TarEntryType.CharacterDevice or TarEntryType.BlockDevice:
                        throw Refuse(e.Name, "a device node is not extracted into an image by ADD");
                    default:
                        throw Refuse(e.Name, $"unsupported entry type {e.EntryType}");
                }
                var mode = (uint)e.Mode & 0xfff;
                var copy = new PaxTarEntry(type, type == TarEntryType.Directory ? name + "/" : name)
                {
                    Mode = (UnixFileMode)(chmod is not null && type != TarEntryType.SymbolicLink ? chmod.Apply(mode, type == TarEntryType.Directory) : mode),
                    Uid = owner is { } o ? (int)o.Uid : e.Uid,
                    Gid = owner is { } o2 ? (int)o2.Gid : e.Gid,
                    ModificationTime = e.ModificationTime,
                };
                if (type == TarEntryType.SymbolicLink) copy.LinkName = e.LinkName;
                if (type == TarEntryType.HardLink) copy.LinkName = destDir.Length == 0 ? CleanName(e.LinkName)! : destDir + "/" + CleanName(e.LinkName);
                if (type == TarEntryType.RegularFile && e.DataStream is { } data) copy.DataStream = new FixedLengthStream(data, e.Length);
                layer.Write(copy);
                if (type == TarEntryType.SymbolicLink) links.Add(rel); else links.Remove(rel);
                if (type == TarEntryType.RegularFile || type == TarEntryType.HardLink) written.Add(rel); else written.Remove(rel);
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException or SharpCompress.Common.ArchiveException
                                   or ZstdSharp.ZstdException or IndexOutOfRangeException or TarFormatException)
        {
            throw new BuildException($"{where}: ADD {archiveName}: the archive is malformed: {e.Message}", 1, e);
        }
    }

    private static string Show(string destDir) => "/" + destDir;
}
