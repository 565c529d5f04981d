using Quai.Interop;
using Quai.Fs;
using System.Formats.Tar;
using Quai.Images.Layers;

namespace Quai.Images.Tests;

public class LayerApplierTests
{
    private static ApplyResult Apply(string root, byte[] tar) => LayerApplier.Apply(new MemoryStream(tar), root);

    [Fact]
    public void Applies_files_dirs_symlinks_hardlinks_with_metadata()
    {
        using var tmp = new TempDir();
        var root = tmp.Sub("root");
        var tar = new TarBuilder()
            .Dir("etc/", 0x1C0, 10, 20)
            .File("etc/passwd", "root:x:0:0\n", 0x180, 1000, 1001, new() { ["SCHILY.xattr.user.test"] = "v1" })
            .File("bin/tool", "#!/bin/sh\n", 0x9ED /* 04755 */)
            .Symlink("bin/link", "tool")
            .Hardlink("bin/hard", "bin/tool")
            .Fifo("run/fifo")
            .Device("dev/null2", TarEntryType.CharacterDevice, 1, 3)
            .Bytes();
        var result = Apply(root, tar);
        Assert.Equal(7, result.Entries);

        var passwd = Path.Combine(root, "etc/passwd");
        Assert.Equal("root:x:0:0\n", File.ReadAllText(passwd));
        var st = Quai.Interop.NativeFs.Lstat(passwd);
        Assert.Equal((1000u, 1001u, 0x180u), (st.Uid, st.Gid, st.Mode & 0xFFF));
        Assert.Equal(TarBuilder.Time.ToUnixTimeSeconds(), st.Mtime.Sec);
        Assert.Contains(Quai.Interop.NativeFs.LGetXattrs(passwd), x => x.Name == "user.test" && x.Value.SequenceEqual("v1"u8.ToArray()));

        var etc = Quai.Interop.NativeFs.Lstat(Path.Combine(root, "etc"));
        Assert.Equal((10u, 20u, 0x1C0u), (etc.Uid, etc.Gid, etc.Mode & 0xFFF));
        Assert.Equal(TarBuilder.Time.ToUnixTimeSeconds(), etc.Mtime.Sec); // dir mtimes survive their children

        Assert.Equal(0x9EDu, Quai.Interop.NativeFs.Lstat(Path.Combine(root, "bin/tool")).Mode & 0xFFF); // setuid kept after chown
        Assert.Equal("tool", new FileInfo(Path.Combine(root, "bin/link")).LinkTarget);
        var tool = Quai.Interop.NativeFs.Lstat(Path.Combine(root, "bin/tool"));
        Assert.Equal(tool.Ino, Quai.Interop.NativeFs.Lstat(Path.Combine(root, "bin/hard")).Ino);
        Assert.Equal(Quai.Interop.NativeFs.S_IFIFO, Quai.Interop.NativeFs.Lstat(Path.Combine(root, "run/fifo")).Type);
        var dev = Quai.Interop.NativeFs.Lstat(Path.Combine(root, "dev/null2"));
        Assert.Equal(Quai.Interop.NativeFs.S_IFCHR, dev.Type);
        Assert.Equal((1u, 3u), Quai.Interop.NativeFs.SplitDev(dev.Rdev));
    }

    [Fact]
    public void Whiteouts_remove_lower_content_and_opaque_keeps_this_layers_files()
    {
        using var tmp = new TempDir();
        var root = tmp.Sub("root");
        Apply(root, new TarBuilder().File("a/old1", "1").File("a/old2", "2").File("b/keep", "k").File("c", "c").Dir("d/").File("d/x", "x").Bytes());
        Apply(root, new TarBuilder()
            .File("a/new", "n")          // written before the opaque marker: must survive it
            .File("a/.wh..wh..opq", "")
            .File(".wh.c", "")
            .File(".wh.d", "")
            .File(".wh.missing", "")
            .Bytes());
        Assert.Equal(new[] { "new" }, Directory.GetFileSystemEntries(Path.Combine(root, "a")).Select(p => Path.GetFileName(p)!).ToArray());
        Assert.False(File.Exists(Path.Combine(root, "c")));
        Assert.False(Directory.Exists(Path.Combine(root, "d")));
        Assert.True(File.Exists(Path.Combine(root, "b/keep")));
        Assert.False(File.Exists(Path.Combine(root, ".wh.c")));
    }

    [Fact]
    public void Replaces_file_with_directory_and_directory_with_file()
    {
        using var tmp = new TempDir();
        var root = tmp.Sub("root");
        Apply(root, new TarBuilder().File("x", "file").Dir("y/").File("y/inner", "i").Bytes());
        Apply(root, new TarBuilder().Dir("x/").File("x/child", "c").File("y", "now a file").Bytes());
        Assert.True(File.Exists(Path.Combine(root, "x/child")));
        Assert.Equal("now a file", File.ReadAllText(Path.Combine(root, "y")));
    }

    [Theory]
    [InlineData("../escape", "contains \"..\"")]
    [InlineData("a/../../escape", "contains \"..\"")]
    [InlineData("/etc/evil", "absolute path")]
    public void Refuses_escaping_names(string name, string message)
    {
        using var tmp = new TempDir();
        var root = tmp.Sub("root");
        var e = Assert.Throws<TarFormatException>(() => Apply(root, new TarBuilder().File(name, "x").Bytes()));
        Assert.Contains(name, e.Message);
        Assert.Contains(message, e.Message);
        Assert.Equal([root], Directory.GetFileSystemEntries(tmp.Path));
    }

    [Fact]
    public void Symlink_to_outside_is_followed_only_inside_the_root()
    {
        using var tmp = new TempDir();
        var root = tmp.Sub("root");
        var outside = tmp.Sub("outside");
        // The symlink points at a real host directory; writing through it must land inside the root.
        Apply(root, new TarBuilder().Symlink("link", outside).Dir(outside.TrimStart('/') + "/").Bytes());
        Apply(root, new TarBuilder().File("link/evil", "pwned").Bytes());
        Assert.Empty(Directory.GetFileSystemEntries(outside));
        Assert.Equal("pwned", File.ReadAllText(Path.Combine(root, outside.TrimStart('/'), "evil")));
    }

    [Fact]
    public void Symlink_with_dotdot_chain_cannot_escape()
    {
        using var tmp = new TempDir();
        var root = tmp.Sub("root");
        var e = Record.Exception(() => Apply(root, new TarBuilder().Symlink("up", "../../../../..").File("up/tmp-escape-" + Guid.NewGuid().ToString("N"), "x").Bytes()));
        // Either refused or contained: in both cases nothing appears beside the root.
        Assert.Equal([root], Directory.GetFileSystemEntries(tmp.Path));
        if (e is not null) Assert.Contains("up", e.Message);
    }

    [Fact]
    public void Hardlink_to_host_file_is_refused()
    {
        using var tmp = new TempDir();
        var root = tmp.Sub("root");
        var e1 = Assert.Throws<TarFormatException>(() => Apply(root, new TarBuilder().Hardlink("passwd", "/etc/passwd").Bytes()));
        Assert.Contains("passwd", e1.Message);
        Assert.Throws<TarFormatException>(() => Apply(root, new TarBuilder().Hardlink("passwd", "../../etc/passwd").Bytes()));
        // Through a symlink to /etc: resolved inside the root, where there is no passwd.
        var e3 = Assert.Throws<TarFormatException>(() => Apply(root, new TarBuilder().Symlink("e", "/etc").Hardlink("p", "e/passwd").Bytes()));
        Assert.Contains("does not exist in the archive", e3.Message);
        Assert.False(File.Exists(Path.Combine(root, "p")));
    }

    [Fact]
    public void Overlay_xattrs_from_the_archive_are_ignored()
    {
        using var tmp = new TempDir();
        var root = tmp.Sub("root");
        Apply(root, new TarBuilder().File("f", "x", pax: new() { ["SCHILY.xattr.trusted.overlay.opaque"] = "y" }).Bytes());
        Assert.DoesNotContain(Quai.Interop.NativeFs.LGetXattrs(Path.Combine(root, "f")), x => x.Name.StartsWith("trusted.overlay"));
    }

    [Fact]
    public void Truncated_tar_is_a_clear_error()
    {
        using var tmp = new TempDir();
        var root = tmp.Sub("root");
        var tar = new TarBuilder().File("big", new byte[100_000]).Bytes();
        var e = Assert.ThrowsAny<IOException>(() => Apply(root, tar[..5000]));
        Assert.Contains("big", e.Message + e.InnerException?.Message);
    }

    [Fact]
    public void Path_helpers()
    {
        Assert.Equal("a/b", TarPath.Clean("./a//b/"));
        Assert.Equal("", TarPath.Clean("./"));
        Assert.Equal("x.tar", TarPath.ResolveRelative("dir", "../x.tar", "t"));
        Assert.Throws<TarFormatException>(() => TarPath.ResolveRelative("dir", "../../x", "t"));
    }
}
