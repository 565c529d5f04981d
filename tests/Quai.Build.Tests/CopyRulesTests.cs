using System.Formats.Tar;
using System.IO.Compression;
using Quai.Build.Executor;

namespace Quai.Build.Tests;

/// <summary>The pure rules behind COPY and ADD: --chmod's forms, archive detection and Docker's breakout rules,
/// BuildKit's URL file names, git-source detection, --checksum's format, the --parents pivot, --chown resolution.</summary>
public sealed class CopyRulesTests
{
    [Theory]
    [InlineData("755", 0x1a4u, false, 0x1edu)]
    [InlineData("0644", 0x1edu, true, 0x1a4u)]
    [InlineData("4755", 0u, false, 0x9edu)]
    [InlineData("+x", 0x1a4u, false, 0x1edu)]
    [InlineData("u+x", 0x1a4u, false, 0x1e4u)]
    [InlineData("go-w", 0x1ffu, false, 0x1edu)]
    [InlineData("u=rwx,g=rx,o=", 0x1a4u, false, 0x1e8u)]
    [InlineData("a=rX", 0x1a4u, false, 0x124u)]
    [InlineData("a=rX", 0x1a4u, true, 0x16du)]
    [InlineData("a=rX", 0x1c0u, false, 0x16du)]
    [InlineData("u+s", 0x1edu, false, 0x9edu)]
    [InlineData("g=u", 0x1c4u, false, 0x1fcu)]
    public void Chmod_applies_octal_and_symbolic_modes_as_chmod_does(string text, uint mode, bool dir, uint expected)
        => Assert.Equal(expected, ChmodSpec.Parse(text).Apply(mode, dir));

    [Theory]
    [InlineData("")]
    [InlineData("9")]
    [InlineData("u")]
    [InlineData("u*x")]
    [InlineData("77777")]
    public void Chmod_refuses_what_is_neither_form(string text) => Assert.Null(ChmodSpec.TryParse(text, out _));

    [Fact]
    public void Compression_is_told_by_the_first_bytes()
    {
        Assert.Equal(ArchiveCompression.Gzip, ArchiveSource.Detect([0x1f, 0x8b, 8, 0, 0, 0]));
        Assert.Equal(ArchiveCompression.Bzip2, ArchiveSource.Detect("BZh91A"u8));
        Assert.Equal(ArchiveCompression.Xz, ArchiveSource.Detect([0xfd, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0]));
        Assert.Equal(ArchiveCompression.Zstd, ArchiveSource.Detect([0x28, 0xb5, 0x2f, 0xfd, 0, 0]));
        Assert.Equal(ArchiveCompression.None, ArchiveSource.Detect("hello!"u8));
        Assert.Equal(ArchiveCompression.None, ArchiveSource.Detect([0x1f]));
    }

    private static byte[] Tar()
    {
        var ms = new MemoryStream();
        using (var w = new TarWriter(ms, TarEntryFormat.Ustar, leaveOpen: true))
            w.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "a.txt") { DataStream = new MemoryStream("a"u8.ToArray()) });
        return ms.ToArray();
    }

    [Fact]
    public void A_tar_is_a_tar_by_its_header_checksum_and_a_compressed_non_tar_is_not_one()
    {
        var tar = Tar();
        Assert.True(ArchiveSource.IsTarHeader(tar.AsSpan(0, 512)));
        var broken = (byte[])tar.Clone();
        broken[0] ^= 0x20;
        Assert.False(ArchiveSource.IsTarHeader(broken.AsSpan(0, 512)));
        Assert.False(ArchiveSource.IsTarHeader(new byte[512]));

        var gz = new MemoryStream();
        using (var g = new GZipStream(gz, CompressionMode.Compress, leaveOpen: true)) g.Write(tar);
        using (var s = ArchiveSource.TryOpenTar(() => new MemoryStream(gz.ToArray()))) Assert.NotNull(s);
        var text = new MemoryStream();
        using (var g = new GZipStream(text, CompressionMode.Compress, leaveOpen: true)) g.Write(new byte[600]);
        Assert.Null(ArchiveSource.TryOpenTar(() => new MemoryStream(text.ToArray())));
        Assert.Null(ArchiveSource.TryOpenTar(() => new MemoryStream([0x1f, 0x8b, 1, 2, 3, 4, 5, 6]))); // a broken gzip: a file
    }

    [Theory]
    [InlineData("a/b", "a/b")]
    [InlineData("./a//b/", "a/b")]
    [InlineData("/etc/passwd", "etc/passwd")]
    [InlineData("a/../b", "b")]
    [InlineData("../a", null)]
    [InlineData("a/../../b", null)]
    public void Entry_names_are_cleaned_below_the_destination_or_refused(string name, string? expected)
        => Assert.Equal(expected, ArchiveSource.CleanName(name));

    [Theory]
    [InlineData("pkg/link", "hello.txt", true)]
    [InlineData("pkg/link", "../other", true)]
    [InlineData("pkg/link", "../../etc", false)]
    [InlineData("link", "/usr/bin/env", true)]
    [InlineData("link", "/../../etc", false)]
    public void Symlink_targets_follow_Dockers_breakout_rule(string entry, string target, bool inside)
        => Assert.Equal(inside, ArchiveSource.SymlinkStaysInside(entry, target));

    [Theory]
    [InlineData("https://example.com/files/tool.tar.gz", "tool.tar.gz")]
    [InlineData("https://example.com/a/b/?q=1", "b")]
    [InlineData("https://example.com/", "__unnamed__")]
    [InlineData("https://example.com", "__unnamed__")]
    [InlineData("http://example.com/with%20space", "with space")]
    public void A_fetched_file_is_named_by_the_last_element_of_the_URL_path(string url, string name)
        => Assert.Equal(name, UrlSource.FileName(url));

    [Theory]
    [InlineData("git@github.com:moby/buildkit.git", true)]
    [InlineData("https://github.com/moby/buildkit.git", true)]
    [InlineData("https://github.com/moby/buildkit.git#v0.10.1", true)]
    [InlineData("git://host/repo", true)]
    [InlineData("https://example.com/file.tar.gz", false)]
    [InlineData("local/dir.git", false)]
    public void Git_sources_are_told_as_BuildKit_does(string src, bool git) => Assert.Equal(git, UrlSource.IsGit(src));

    [Fact]
    public void Checksums_are_OCI_digests()
    {
        var hex = new string('a', 64);
        Assert.Equal(("sha256", hex), UrlSource.ParseChecksum("sha256:" + hex));
        Assert.Throws<FormatException>(() => UrlSource.ParseChecksum("md5:abc"));
        Assert.Throws<FormatException>(() => UrlSource.ParseChecksum("sha256:" + hex[..63]));
        Assert.Throws<FormatException>(() => UrlSource.ParseChecksum(hex));
    }

    [Theory]
    [InlineData("x/a.txt", "")]
    [InlineData("./x/./y/*.txt", "x")]
    [InlineData("/a/b/./c/./d", "a/b/c")]
    public void The_parents_pivot_is_what_comes_before_the_last_dot_element(string src, string pivot)
        => Assert.Equal(pivot, StageRunner.ParentsPivot(src));

    private static List<(string Name, TarEntryType Type, int Mode)> Entries(Action<LayerTar> write, Func<string, bool>? existing)
    {
        var ms = new MemoryStream();
        using (var t = new LayerTar(ms, existing)) write(t);
        ms.Position = 0;
        var list = new List<(string, TarEntryType, int)>();
        using var r = new TarReader(ms);
        while (r.GetNextEntry() is { } e) list.Add((e.Name, e.EntryType, (int)e.Mode));
        return list;
    }

    [Fact]
    public void The_layer_writes_missing_parents_once_and_leaves_the_parent_images_directories_alone()
    {
        var file = () => new PaxTarEntry(TarEntryType.RegularFile, "tmp/a/f") { DataStream = new MemoryStream("x"u8.ToArray()) };
        var onParent = Entries(t =>
        {
            t.Write(file());
            t.Write(new PaxTarEntry(TarEntryType.RegularFile, "tmp/a/g") { DataStream = new MemoryStream() });
            t.Write(new PaxTarEntry(TarEntryType.Directory, "tmp/") { Mode = (UnixFileMode)0x1c0 }); // the image's /tmp is kept
        }, d => d == "tmp");
        Assert.Equal([("tmp/a/", TarEntryType.Directory, 0x1ed), ("tmp/a/f", TarEntryType.RegularFile, 0), ("tmp/a/g", TarEntryType.RegularFile, 0)],
            onParent.Select(e => (e.Name, e.Type, e.Type == TarEntryType.Directory ? e.Mode : 0)).ToList());
        // --link: nothing is looked up, every parent is in the layer
        var linked = Entries(t => { t.Write(file()); t.Write(new PaxTarEntry(TarEntryType.Directory, "tmp/b/") { Mode = (UnixFileMode)0x1c0 }); }, null);
        Assert.Equal([("tmp/", 0x1ed), ("tmp/a/", 0x1ed), ("tmp/a/f", 0), ("tmp/b/", 0x1c0)],
            linked.Select(e => (e.Name, e.Type == TarEntryType.Directory ? e.Mode : 0)).ToList());
    }

    [Fact]
    public void The_layer_names_nothing_after_the_writing_process_so_the_same_entries_give_the_same_digest_in_any_build()
    {
        byte[] Once()
        {
            var ms = new MemoryStream();
            using (var t = new LayerTar(ms, null))
                t.Write(new PaxTarEntry(TarEntryType.RegularFile, "a/" + new string('n', 150)) { DataStream = new MemoryStream("x"u8.ToArray()), ModificationTime = DateTimeOffset.UnixEpoch });
            return ms.ToArray();
        }
        var bytes = Once();
        Assert.Equal(bytes, Once());
        var text = System.Text.Encoding.ASCII.GetString(bytes);
        Assert.DoesNotContain("PaxHeaders", text);
        Assert.DoesNotContain(Environment.ProcessId.ToString(), text);
    }

    [Fact]
    public void Chown_resolves_names_as_BuildKit_does()
    {
        var files = ("root:x:0:0::/:/bin/sh\nsvc:x:100:200::/:/bin/sh\n", "root:x:0:\ngrp:x:300:\n");
        Assert.Equal((100u, 200u), ImageView.ResolveOwner("svc", files));      // a name: its primary group
        Assert.Equal((100u, 100u), ImageView.ResolveOwner("100", files));      // an id: the same number
        Assert.Equal((100u, 300u), ImageView.ResolveOwner("svc:grp", files));
        Assert.Equal((7u, 300u), ImageView.ResolveOwner("7:grp", files));
        Assert.Equal((7u, 8u), ImageView.ResolveOwner("7:8", (null, null)));
        Assert.Contains("nope", Assert.Throws<FormatException>(() => ImageView.ResolveOwner("nope", files)).Message);
        Assert.Contains("nogrp", Assert.Throws<FormatException>(() => ImageView.ResolveOwner("svc:nogrp", files)).Message);
    }
}
