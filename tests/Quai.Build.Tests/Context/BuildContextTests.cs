using Quai.Build.Context;

namespace Quai.Build.Tests.Context;

/// <summary><see cref="BuildContext"/> on real directories under /var/tmp: what is listed, what COPY sources
/// resolve to, and the checksum the build cache keys on.</summary>
public sealed class BuildContextTests : IDisposable
{
    private readonly ContextDir _dir = new();
    private readonly ContextDir _outside = new();

    public void Dispose()
    {
        _dir.Dispose();
        _outside.Dispose();
    }

    private static List<string> Paths(BuildContext c) => c.Entries.Select(e => e.Path).ToList();

    private static List<string> Names(IEnumerable<SourceMatch> m) => m.Select(x => x.Name).ToList();

    [Fact]
    public void Lists_everything_in_walk_order_without_a_dockerignore()
    {
        _dir.File("b/y");
        _dir.File("b/x");
        _dir.File("a");
        _dir.Dir("c");
        using var c = _dir.Open();
        Assert.Equal(["a", "b", "b/x", "b/y", "c"], Paths(c));
        Assert.Equal(ContextEntryType.Directory, c.Entries[1].Type);
        Assert.Equal(ContextEntryType.File, c.Entries[0].Type);
        Assert.Equal(1, c.Entries[0].Size);
        Assert.Equal("", c.Root.Path);
        Assert.Same(DockerIgnore.Empty, c.Ignore);
    }

    [Fact]
    public void Excluded_files_and_directories_are_left_out()
    {
        _dir.File(".dockerignore", "node_modules\n**/*.log\n/secret\n");
        _dir.File("node_modules/m/index.js");
        _dir.File("src/app.js");
        _dir.File("src/debug.log");
        _dir.File("top.log");
        _dir.File("secret");
        _dir.File("src/secret");
        using var c = _dir.Open();
        Assert.Equal([".dockerignore", "src", "src/app.js", "src/secret"], Paths(c));
    }

    [Fact]
    public void An_exception_reincludes_a_file_below_an_excluded_directory_with_its_parents()
    {
        _dir.File(".dockerignore", "docs\n!docs/keep/README.md\n");
        _dir.File("docs/keep/README.md");
        _dir.File("docs/keep/other.md");
        _dir.File("docs/index.md");
        _dir.File("docs2/x");
        using var c = _dir.Open();
        Assert.Equal([".dockerignore", "docs", "docs/keep", "docs/keep/README.md", "docs2", "docs2/x"], Paths(c));
    }

    [Fact]
    public void A_wildcard_exception_is_looked_for_in_every_excluded_directory()
    {
        _dir.File(".dockerignore", "build\nout\n!**/*.keep\n");
        _dir.File("build/a/b/c.keep");
        _dir.File("build/a/b/c.drop");
        _dir.File("out/x.drop");
        using var c = _dir.Open();
        Assert.Equal([".dockerignore", "build", "build/a", "build/a/b", "build/a/b/c.keep"], Paths(c));
    }

    [Fact]
    public void An_excluded_directory_without_a_reachable_exception_is_skipped_whole()
    {
        _dir.File(".dockerignore", "cache\n!cache2/keep\n");
        _dir.File("cache/keep");
        _dir.File("cache2/keep");
        _dir.File("cache2/drop");
        using var c = _dir.Open();
        Assert.Equal([".dockerignore", "cache2", "cache2/drop", "cache2/keep"], Paths(c));
    }

    [Fact]
    public void An_exception_for_a_parent_does_not_reinclude_a_directory_excluded_below_it()
    {
        // BuildKit's walk: "!a" is not tried on "a" (nothing is excluded there yet), so a/x stays excluded
        _dir.File(".dockerignore", "a/x\n!a\n");
        _dir.File("a/x/f");
        _dir.File("a/y");
        using var c = _dir.Open();
        Assert.Equal([".dockerignore", "a", "a/y"], Paths(c));
    }

    [Fact]
    public void The_dockerfile_and_dockerignore_are_sent_even_when_excluded_but_copy_does_not_see_them()
    {
        _dir.File(".dockerignore", "*\n!src\n");
        _dir.File("Dockerfile", "FROM scratch\n");
        _dir.File("src/a");
        _dir.File("other");
        using var c = _dir.Open();
        Assert.Equal([".dockerignore", "Dockerfile", "src", "src/a"], Paths(c));
        Assert.Throws<FileNotFoundException>(() => c.ResolveSource("Dockerfile"));
        Assert.Throws<FileNotFoundException>(() => c.ResolveSource(".dockerignore"));
        Assert.Equal(["", "src", "src/a"], c.Tree(c.Root).Select(e => e.Path));
        Assert.Empty(c.ResolveSource("Docker*"));
    }

    [Fact]
    public void A_dockerfile_elsewhere_in_the_context_is_kept_inside_its_excluded_directory()
    {
        _dir.File(".dockerignore", "build\n");
        _dir.File("build/Dockerfile.dev", "FROM scratch\n");
        _dir.File("build/other");
        using var c = _dir.Open("./build/Dockerfile.dev");
        Assert.Equal([".dockerignore", "build", "build/Dockerfile.dev"], Paths(c));
        using var s = new StreamReader(c.OpenRead(c.Entries[2]));
        Assert.Equal("FROM scratch\n", s.ReadToEnd());
    }

    [Fact]
    public void A_dockerfile_that_is_not_excluded_stays_visible_to_copy()
    {
        _dir.File(".dockerignore", "*.md\n");
        _dir.File("Dockerfile");
        using var c = _dir.Open();
        Assert.Equal("Dockerfile", Assert.Single(c.ResolveSource("Dockerfile")).Entry.Path);
    }

    [Fact]
    public void A_symlink_pointing_outside_is_a_link_and_never_read_through()
    {
        var secret = Path.Combine(_outside.Path, "secret");
        File.WriteAllText(secret, "host secret");
        _dir.Link("abs", secret);
        _dir.Link("rel", $"../../../../../..{secret}");
        _dir.Link("dir", _outside.Path);
        _dir.File("a");
        using var c = _dir.Open();
        Assert.Equal(["a", "abs", "dir", "rel"], Paths(c));
        var abs = c.Entries[1];
        Assert.Equal(ContextEntryType.Symlink, abs.Type);
        Assert.Equal(secret, abs.LinkTarget);
        Assert.Equal(0, abs.Size);
        Assert.Throws<ArgumentException>(() => c.OpenRead(abs));
        // COPY follows a link inside the context only: the host's file is not there
        Assert.Throws<FileNotFoundException>(() => c.ResolveSource("abs"));
        Assert.Throws<FileNotFoundException>(() => c.ResolveSource("rel"));
        Assert.Throws<FileNotFoundException>(() => c.ResolveSource("dir/secret"));

        var before = c.Checksum(".");
        File.WriteAllText(secret, "host secret changed");
        using var again = _dir.Open();
        Assert.Equal(before, again.Checksum("."));
    }

    [Fact]
    public void Symlinks_in_a_source_resolve_inside_the_context()
    {
        _dir.File("etc/passwd", "the context's own");
        _dir.File("real/file", "content");
        _dir.Link("up", "../../../../../../etc");
        _dir.Link("root", "/real");
        _dir.Link("file-link", "real/file");
        _dir.Link("loop", "loop");
        using var c = _dir.Open();
        Assert.Equal("etc/passwd", Assert.Single(c.ResolveSource("up/passwd")).Entry.Path);
        Assert.Equal("real/file", Assert.Single(c.ResolveSource("root/file")).Entry.Path);
        var m = Assert.Single(c.ResolveSource("file-link"));
        Assert.Equal("file-link", m.Name);
        Assert.Equal("real/file", m.Entry.Path);
        Assert.Throws<IOException>(() => c.ResolveSource("loop"));
    }

    [Fact]
    public void Wildcard_sources_match_as_docker_copy()
    {
        _dir.File("a.txt");
        _dir.File("b.txt");
        _dir.File("c.md");
        _dir.File("dir1/x.txt");
        _dir.File("dir1/sub/y.txt");
        _dir.Dir("dir2");
        _dir.File("logs/z.txt");
        _dir.File("ab/c");
        _dir.File(".dockerignore", "logs\n");
        using var c = _dir.Open();
        Assert.Equal(["a.txt", "b.txt"], Names(c.ResolveSource("*.txt")));
        Assert.Equal(["a.txt", "b.txt"], Names(c.ResolveSource("/[ab].txt")));
        Assert.Equal(["dir1", "dir2"], Names(c.ResolveSource("dir?")));
        Assert.Equal(["dir1/x.txt"], Names(c.ResolveSource("*/x.txt")));
        Assert.Equal(["dir1/sub/y.txt"], Names(c.ResolveSource("dir1/*/*.txt")));
        Assert.Equal(["dir1/sub"], Names(c.ResolveSource("./dir1/s*")));
        // a class matches '/': a matched directory is one match, nothing below it is tried
        Assert.Equal(["a.txt", "ab"], Names(c.ResolveSource("a*[^x]*")));
        Assert.Empty(c.ResolveSource("*.none"));
        Assert.Empty(c.ResolveSource("logs*")); // excluded: not in the context
        Assert.Throws<FileNotFoundException>(() => c.ResolveSource("nodir/*.txt"));
        Assert.Throws<ArgumentException>(() => c.ResolveSource("a[.txt"));
    }

    [Fact]
    public void Sources_with_dotdot_or_a_leading_slash_stay_inside_the_context()
    {
        _dir.File("a.txt");
        _dir.File("sub/b.txt");
        using var c = _dir.Open();
        Assert.Equal("a.txt", Assert.Single(c.ResolveSource("../a.txt")).Entry.Path);
        Assert.Equal("a.txt", Assert.Single(c.ResolveSource("/a.txt")).Entry.Path);
        Assert.Equal("a.txt", Assert.Single(c.ResolveSource("sub/../../../a.txt")).Entry.Path);
        Assert.Same(c.Root, Assert.Single(c.ResolveSource("../..")).Entry);
        Assert.Throws<FileNotFoundException>(() => c.ResolveSource("../../../../etc/passwd"));
        Assert.Equal(["", "a.txt", "sub", "sub/b.txt"], c.Tree(Assert.Single(c.ResolveSource(".")).Entry).Select(e => e.Path));
    }

    [Fact]
    public void The_checksum_does_not_change_when_files_are_only_touched()
    {
        var file = _dir.File("src/a", "hello");
        _dir.File("src/b", "world");
        string before, beforeFile;
        using (var c = _dir.Open()) { before = c.Checksum("src").ToString(); beforeFile = c.Checksum("src/a").ToString(); }
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddHours(-3));
        Directory.SetLastWriteTimeUtc(_dir.Full("src"), DateTime.UtcNow.AddHours(-5));
        File.SetLastAccessTimeUtc(file, DateTime.UtcNow.AddHours(-7));
        using var again = _dir.Open();
        Assert.Equal(before, again.Checksum("src").ToString());
        Assert.Equal(beforeFile, again.Checksum("src/a").ToString());
        Assert.NotEqual(before, beforeFile);
    }

    [Fact]
    public void The_checksum_changes_with_one_byte_of_content()
    {
        var file = _dir.File("src/a", "hello");
        string before;
        using (var c = _dir.Open()) before = c.Checksum("src").ToString();
        File.WriteAllText(file, "hellp");
        using var again = _dir.Open();
        Assert.NotEqual(before, again.Checksum("src").ToString());
    }

    [Fact]
    public void The_checksum_changes_with_the_mode_and_the_owner()
    {
        var file = _dir.File("src/a", "hello");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        string before;
        using (var c = _dir.Open()) before = c.Checksum("src").ToString();
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string afterMode;
        using (var c = _dir.Open()) afterMode = c.Checksum("src").ToString();
        Assert.NotEqual(before, afterMode);
        var st = Quai.Interop.NativeFs.Lstat(file);
        Quai.Interop.NativeFs.FchownAt(Quai.Interop.NativeFs.AT_FDCWD, file, st.Uid + 1, st.Gid, 0, file);
        using var again = _dir.Open();
        Assert.NotEqual(afterMode, again.Checksum("src").ToString());
    }

    [Fact]
    public void The_checksum_covers_link_targets_and_names_but_not_excluded_files()
    {
        _dir.File(".dockerignore", "src/*.tmp\n");
        _dir.File("src/a", "hello");
        var tmp = _dir.File("src/x.tmp", "1");
        _dir.Link("src/l", "a");
        string before;
        using (var c = _dir.Open()) before = c.Checksum("src").ToString();
        File.WriteAllText(tmp, "2");
        using (var c = _dir.Open()) Assert.Equal(before, c.Checksum("src").ToString());
        File.Delete(_dir.Full("src/l"));
        _dir.Link("src/l", "b");
        using (var c = _dir.Open()) Assert.NotEqual(before, c.Checksum("src").ToString());
        File.Delete(_dir.Full("src/l"));
        _dir.Link("src/l", "a");
        File.Move(_dir.Full("src/a"), _dir.Full("src/a2"));
        using (var c = _dir.Open()) Assert.NotEqual(before, c.Checksum("src").ToString());
    }

    [Fact]
    public void A_file_replaced_after_the_walk_is_not_read()
    {
        var file = _dir.File("a", "old");
        using var c = _dir.Open();
        // a new inode (made while the old one still exists, so its number cannot be reused) renamed over it
        File.Move(_dir.File("a.new", "new"), file, overwrite: true);
        Assert.Throws<IOException>(() => c.OpenRead(c.Entries[0]));
        File.Delete(file);
        _dir.Link("a", "/etc/hostname");
        Assert.Throws<IOException>(() => c.OpenRead(c.Entries[0]));
    }

    [Fact]
    public void A_file_is_read_at_the_size_the_walk_saw()
    {
        var file = _dir.File("a", "12345");
        using var c = _dir.Open();
        File.AppendAllText(file, "678");
        using (var s = new StreamReader(c.OpenRead(c.Entries[0]))) Assert.Equal("12345", s.ReadToEnd());
        using (var s = new StreamReader(c.OpenRead(c.Entries[0]))) Assert.Equal(5, s.BaseStream.Length);
    }

    [Fact]
    public void A_missing_or_non_directory_context_or_bad_dockerignore_is_refused()
    {
        Assert.Throws<DirectoryNotFoundException>(() => BuildContext.Open(_dir.Full("missing")));
        var file = _dir.File("plain");
        Assert.Contains("context must be a directory", Assert.Throws<IOException>(() => BuildContext.Open(file)).Message);
        _dir.File(".dockerignore", "ok\n\n[bad\n");
        Assert.Equal(3, Assert.Throws<DockerIgnoreException>(() => _dir.Open()).Line);
        Assert.Throws<ArgumentException>(() => _dir.Open("../Dockerfile"));
    }

    [Fact]
    public void Entries_of_another_context_are_refused()
    {
        _dir.File("a");
        _outside.File("a");
        using var c = _dir.Open();
        using var other = _outside.Open();
        Assert.Throws<ArgumentException>(() => c.OpenRead(other.Entries[0]));
        Assert.Throws<ArgumentException>(() => c.Tree(other.Entries[0]));
        c.Dispose();
        Assert.Throws<ObjectDisposedException>(() => c.ResolveSource("a"));
    }
}
