using Quai.Fs;
using System.Text;
using Quai.Interop;
using Quai.Images.Layers;

namespace Quai.Images.Tests;

public class PaxXattrTests
{
    /// <summary>A hand-written PAX archive (TarWriter cannot write binary values): one file with a binary xattr.</summary>
    private static byte[] ArchiveWithBinaryXattr(string name, string xattr, byte[] value, byte[] content)
    {
        var ms = new MemoryStream();
        var key = Encoding.ASCII.GetBytes($" SCHILY.xattr.{xattr}=");
        int len = key.Length + value.Length + 1;
        int digits = len.ToString().Length;
        if ((len + digits).ToString().Length != digits) digits++;
        var record = new MemoryStream();
        record.Write(Encoding.ASCII.GetBytes((len + digits).ToString()));
        record.Write(key);
        record.Write(value);
        record.WriteByte((byte)'\n');
        WriteHeader(ms, "PaxHeaders/" + name, 'x', record.Length);
        WriteData(ms, record.ToArray());
        WriteHeader(ms, name, '0', content.Length);
        WriteData(ms, content);
        ms.Write(new byte[1024]);
        return ms.ToArray();
    }

    private static void WriteHeader(Stream s, string name, char type, long size)
    {
        var h = new byte[512];
        Encoding.ASCII.GetBytes(name).CopyTo(h, 0);
        Encoding.ASCII.GetBytes("0000644\0").CopyTo(h, 100);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(h, 108);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(h, 116);
        Encoding.ASCII.GetBytes(Convert.ToString(size, 8).PadLeft(11, '0') + "\0").CopyTo(h, 124);
        Encoding.ASCII.GetBytes("14000000000\0").CopyTo(h, 136);
        h[156] = (byte)type;
        Encoding.ASCII.GetBytes("ustar\0" + "00").CopyTo(h, 257);
        for (int i = 148; i < 156; i++) h[i] = (byte)' ';
        int sum = h.Sum(b => b);
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(h, 148);
        s.Write(h);
    }

    private static void WriteData(Stream s, byte[] data)
    {
        s.Write(data);
        s.Write(new byte[(512 - data.Length % 512) % 512]);
    }

    [Fact]
    public void Binary_xattr_values_are_applied_byte_for_byte()
    {
        using var tmp = new TempDir();
        var root = tmp.Sub("root");
        // No 0x0a byte: System.Formats.Tar rejects PAX records whose value contains a newline (see docs/images.md).
        byte[] value = [0xff, 0x00, 0xfe, 0x80, 0x01, (byte)'='];
        LayerApplier.Apply(new MemoryStream(ArchiveWithBinaryXattr("bin/ping", "user.blob", value, "ELF"u8.ToArray())), root);
        var file = Path.Combine(root, "bin/ping");
        Assert.Equal("ELF", File.ReadAllText(file));
        var x = Assert.Single(NativeFs.LGetXattrs(file), a => a.Name == "user.blob");
        Assert.Equal(value, x.Value);
    }

    [Fact]
    public void Reader_tracks_names_of_every_entry_kind()
    {
        var tar = new TarBuilder().Dir("d/").File("d/" + new string('n', 150), "long name").Symlink("s", "d").Hardlink("h", "d/" + new string('n', 150))
            .File("x", "1", pax: new() { ["SCHILY.xattr.user.a"] = "b" }).Bytes();
        var sniffer = new PaxXattrReader(new MemoryStream(tar));
        using var reader = new System.Formats.Tar.TarReader(sniffer);
        var names = new List<string>();
        for (System.Formats.Tar.TarEntry? e; (e = reader.GetNextEntry()) is not null;)
        {
            var x = sniffer.Take(e.Name);
            Assert.NotNull(x);
            if (e.Name == "x") Assert.Equal("b"u8.ToArray(), x["user.a"]);
            names.Add(e.Name);
        }
        Assert.Equal(5, names.Count);
    }
}
