using Quai.Fs;
using Quai.Interop;

namespace Quai.Images.Tests;

/// <summary>The descriptor-based walk behind ps -s, diff and load -i DIR: what it counts, what it never follows.</summary>
public sealed class TreeWalkTests : IDisposable
{
    private readonly TempDir _dir = new("quai-walk");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Usage_counts_regular_files_once_per_inode_and_never_follows_links()
    {
        var tree = _dir.Sub("tree");
        var outside = _dir.Sub("outside");
        File.WriteAllBytes(Path.Combine(outside, "big"), new byte[1 << 20]);
        Directory.CreateDirectory(Path.Combine(tree, "a/b"));
        File.WriteAllBytes(Path.Combine(tree, "a/b/f"), new byte[1000]);
        Tools.Run("ln", [Path.Combine(tree, "a/b/f"), Path.Combine(tree, "a/f-again")]).Ok();
        File.WriteAllBytes(Path.Combine(tree, "g"), new byte[24]);
        Directory.CreateSymbolicLink(Path.Combine(tree, "to-outside"), outside);
        File.CreateSymbolicLink(Path.Combine(tree, "to-big"), Path.Combine(outside, "big"));
        Directory.CreateSymbolicLink(Path.Combine(tree, "a/b/loop"), "/");
        Assert.Equal(1024, TreeWalk.Usage(tree));
        Assert.Equal(0, TreeWalk.Usage(Path.Combine(_dir.Path, "missing")));
    }

    [Fact]
    public void Walk_reports_links_as_links_in_name_order_and_refuses_a_start_that_is_a_link()
    {
        var tree = _dir.Sub("tree");
        Directory.CreateDirectory(Path.Combine(tree, "d"));
        File.WriteAllText(Path.Combine(tree, "d/x"), "x");
        Directory.CreateSymbolicLink(Path.Combine(tree, "c"), "/etc");
        var seen = new List<string>();
        using (var root = new SafeFd(NativeFs.OpenAt(NativeFs.AT_FDCWD, tree, NativeFs.O_PATH | NativeFs.O_DIRECTORY, 0, tree)))
            TreeWalk.Walk(root.Fd, tree, (string p, int _, in NativeFs.Stat st) => seen.Add($"{p}:{st.Type >> 12:x}"));
        Assert.Equal(["c:a", "d:4", "d/x:8"], seen);
        var link = Path.Combine(_dir.Path, "link");
        Directory.CreateSymbolicLink(link, tree);
        Assert.Throws<ErrnoException>(() => TreeWalk.Usage(link));
    }

    [Fact]
    public void A_tree_deeper_than_the_limit_is_refused_with_its_path()
    {
        var tree = _dir.Sub("deep");
        // built through descriptors: the path is far longer than PATH_MAX
        var fd = NativeFs.OpenAt(NativeFs.AT_FDCWD, tree, NativeFs.O_PATH | NativeFs.O_DIRECTORY, 0, tree);
        for (int i = 0; i <= TreeWalk.MaxDepth; i++)
        {
            NativeFs.MkdirAt(fd, "d", 0x1C0, "d");
            var next = NativeFs.OpenAt(fd, "d", NativeFs.O_PATH | NativeFs.O_DIRECTORY, 0, "d");
            NativeFs.close(fd);
            fd = next;
        }
        NativeFs.close(fd);
        var e = Assert.Throws<IOException>(() => TreeWalk.Usage(tree));
        Assert.Contains($"more than {TreeWalk.MaxDepth} directories deep", e.Message);
        // export and cp walk the same way, recursively: refused too, not a stack overflow or EMFILE
        using (var root = new SafeFd(NativeFs.OpenAt(NativeFs.AT_FDCWD, tree, NativeFs.O_PATH | NativeFs.O_DIRECTORY, 0, tree)))
            e = Assert.Throws<IOException>(() => TreeArchiver.Write(root.Fd, "/", "", Stream.Null, new ArchiveOptions(), "deep tree"));
        Assert.Contains($"more than {TreeWalk.MaxDepth} directories deep", e.Message);
        // clean up without a path either (Directory.Delete needs paths shorter than PATH_MAX)
        Tools.Run("rm", ["-rf", tree]).Ok();
    }
}
