using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace Quai.Images.Tests;

/// <summary>Builds layer and archive tars in memory for tests.</summary>
public sealed class TarBuilder
{
    private readonly MemoryStream _ms = new();
    private readonly TarWriter _w;
    public static readonly DateTimeOffset Time = new(2020, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public TarBuilder() => _w = new TarWriter(_ms, TarEntryFormat.Pax, leaveOpen: true);

    public TarBuilder Dir(string name, int mode = 0x1ED, int uid = 0, int gid = 0, Dictionary<string, string>? pax = null)
    {
        _w.WriteEntry(new PaxTarEntry(TarEntryType.Directory, name, pax ?? []) { Mode = (UnixFileMode)mode, Uid = uid, Gid = gid, ModificationTime = Time });
        return this;
    }

    public TarBuilder File(string name, string content, int mode = 0x1A4, int uid = 0, int gid = 0, Dictionary<string, string>? pax = null)
        => File(name, Encoding.UTF8.GetBytes(content), mode, uid, gid, pax);

    public TarBuilder File(string name, byte[] content, int mode = 0x1A4, int uid = 0, int gid = 0, Dictionary<string, string>? pax = null)
    {
        _w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name, pax ?? [])
        {
            Mode = (UnixFileMode)mode, Uid = uid, Gid = gid, ModificationTime = Time, DataStream = new MemoryStream(content),
        });
        return this;
    }

    public TarBuilder Symlink(string name, string target)
    {
        _w.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target, ModificationTime = Time, Mode = (UnixFileMode)0x1FF });
        return this;
    }

    public TarBuilder Hardlink(string name, string target)
    {
        _w.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, name) { LinkName = target, ModificationTime = Time });
        return this;
    }

    public TarBuilder Device(string name, TarEntryType type, int major, int minor)
    {
        _w.WriteEntry(new PaxTarEntry(type, name) { DeviceMajor = major, DeviceMinor = minor, Mode = (UnixFileMode)0x1B6, ModificationTime = Time });
        return this;
    }

    public TarBuilder Fifo(string name)
    {
        _w.WriteEntry(new PaxTarEntry(TarEntryType.Fifo, name) { Mode = (UnixFileMode)0x1A4, ModificationTime = Time });
        return this;
    }

    public byte[] Bytes()
    {
        _w.Dispose();
        return _ms.ToArray();
    }

    public static byte[] Gzip(byte[] data)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(data);
        return ms.ToArray();
    }

    public static byte[] Zstd(byte[] data)
    {
        using var c = new ZstdSharp.Compressor(3);
        return c.Wrap(data).ToArray();
    }
}
