using Quai.Build.Context;

namespace Quai.Build.Tests.Context;

/// <summary>Pattern tables of moby/patternmatcher's own tests (patternmatcher_test.go: TestMatches, the
/// filepath.Match cases of TestMatch, the multi-pattern and folder cases, TestCompile's match kinds), run
/// through <see cref="DockerIgnore"/>. Paths are context paths: the two cases of "/" itself are left out,
/// and a trailing '/' is cleaned away (their expected results are unchanged by it).</summary>
public class DockerIgnoreMatchTests
{
    private static bool Excluded(string path, params string[] patterns) => DockerIgnore.Parse(string.Join('\n', patterns)).IsExcluded(path);

    [Theory]
    // TestMatches
    [InlineData("**", "file", true)]
    [InlineData("**", "file/", true)]
    [InlineData("**/", "file", true)]
    [InlineData("**/", "file/", true)]
    [InlineData("**", "dir/file", true)]
    [InlineData("**/", "dir/file", true)]
    [InlineData("**", "dir/file/", true)]
    [InlineData("**/", "dir/file/", true)]
    [InlineData("**/**", "dir/file", true)]
    [InlineData("**/**", "dir/file/", true)]
    [InlineData("dir/**", "dir/file", true)]
    [InlineData("dir/**", "dir/file/", true)]
    [InlineData("dir/**", "dir/dir2/file", true)]
    [InlineData("dir/**", "dir/dir2/file/", true)]
    [InlineData("**/dir", "dir", true)]
    [InlineData("**/dir", "dir/file", true)]
    [InlineData("**/dir2/*", "dir/dir2/file", true)]
    [InlineData("**/dir2/*", "dir/dir2/file/", true)]
    [InlineData("**/dir2/**", "dir/dir2/dir3/file", true)]
    [InlineData("**/dir2/**", "dir/dir2/dir3/file/", true)]
    [InlineData("**file", "file", true)]
    [InlineData("**file", "dir/file", true)]
    [InlineData("**/file", "dir/file", true)]
    [InlineData("**file", "dir/dir/file", true)]
    [InlineData("**/file", "dir/dir/file", true)]
    [InlineData("**/file*", "dir/dir/file", true)]
    [InlineData("**/file*", "dir/dir/file.txt", true)]
    [InlineData("**/file*txt", "dir/dir/file.txt", true)]
    [InlineData("**/file*.txt", "dir/dir/file.txt", true)]
    [InlineData("**/file*.txt*", "dir/dir/file.txt", true)]
    [InlineData("**/**/*.txt", "dir/dir/file.txt", true)]
    [InlineData("**/**/*.txt2", "dir/dir/file.txt", false)]
    [InlineData("**/*.txt", "file.txt", true)]
    [InlineData("**/**/*.txt", "file.txt", true)]
    [InlineData("a**/*.txt", "a/file.txt", true)]
    [InlineData("a**/*.txt", "a/dir/file.txt", true)]
    [InlineData("a**/*.txt", "a/dir/dir/file.txt", true)]
    [InlineData("a/*.txt", "a/dir/file.txt", false)]
    [InlineData("a/*.txt", "a/file.txt", true)]
    [InlineData("a/*.txt**", "a/file.txt", true)]
    [InlineData("a[b-d]e", "ae", false)]
    [InlineData("a[b-d]e", "ace", true)]
    [InlineData("a[b-d]e", "aae", false)]
    [InlineData("a[^b-d]e", "aze", true)]
    [InlineData(".*", ".foo", true)]
    [InlineData(".*", "foo", false)]
    [InlineData("abc.def", "abcdef", false)]
    [InlineData("abc.def", "abc.def", true)]
    [InlineData("abc.def", "abcZdef", false)]
    [InlineData("abc?def", "abcZdef", true)]
    [InlineData("abc?def", "abcdef", false)]
    [InlineData("a\\\\", "a\\", true)]
    [InlineData("**/foo/bar", "foo/bar", true)]
    [InlineData("**/foo/bar", "dir/foo/bar", true)]
    [InlineData("**/foo/bar", "dir/dir2/foo/bar", true)]
    [InlineData("abc/**", "abc", false)]
    [InlineData("abc/**", "abc/def", true)]
    [InlineData("abc/**", "abc/def/ghi", true)]
    [InlineData("**/.foo", ".foo", true)]
    [InlineData("**/.foo", "bar.foo", false)]
    [InlineData("a(b)c/def", "a(b)c/def", true)]
    [InlineData("a(b)c/def", "a(b)c/xyz", false)]
    [InlineData("a.|)$(}+{bc", "a.|)$(}+{bc", true)]
    [InlineData("dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true)]
    [InlineData("dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true)]
    [InlineData("a\\*b", "a*b", true)]
    // TestMatch: Go's filepath.Match cases through Docker's matcher (a parent directory matching counts)
    [InlineData("abc", "abc", true)]
    [InlineData("*", "abc", true)]
    [InlineData("*c", "abc", true)]
    [InlineData("a*", "a", true)]
    [InlineData("a*", "abc", true)]
    [InlineData("a*", "ab/c", true)]
    [InlineData("a*/b", "abc/b", true)]
    [InlineData("a*/b", "a/c/b", false)]
    [InlineData("a*b*c*d*e*/f", "axbxcxdxe/f", true)]
    [InlineData("a*b*c*d*e*/f", "axbxcxdxexxx/f", true)]
    [InlineData("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false)]
    [InlineData("a*b*c*d*e*/f", "axbxcxdxexxx/fff", false)]
    [InlineData("a*b?c*x", "abxbbxdbxebxczzx", true)]
    [InlineData("a*b?c*x", "abxbbxdbxebxczzy", false)]
    [InlineData("ab[c]", "abc", true)]
    [InlineData("ab[b-d]", "abc", true)]
    [InlineData("ab[e-g]", "abc", false)]
    [InlineData("ab[^c]", "abc", false)]
    [InlineData("ab[^b-d]", "abc", false)]
    [InlineData("ab[^e-g]", "abc", true)]
    [InlineData("a\\*b", "ab", false)]
    [InlineData("a?b", "a☺b", true)]
    [InlineData("a[^a]b", "a☺b", true)]
    [InlineData("a???b", "a☺b", false)]
    [InlineData("a[^a][^a][^a]b", "a☺b", false)]
    [InlineData("[a-ζ]*", "α", true)]
    [InlineData("*[a-ζ]", "A", false)]
    [InlineData("a?b", "a/b", false)]
    [InlineData("a*b", "a/b", false)]
    [InlineData("[\\]a]", "]", true)]
    [InlineData("[\\-]", "-", true)]
    [InlineData("[x\\-]", "x", true)]
    [InlineData("[x\\-]", "-", true)]
    [InlineData("[x\\-]", "z", false)]
    [InlineData("[\\-x]", "x", true)]
    [InlineData("[\\-x]", "-", true)]
    [InlineData("[\\-x]", "a", false)]
    [InlineData("*x", "xxx", true)]
    public void Single_pattern_matches_as_in_patternmatcher(string pattern, string path, bool excluded)
        => Assert.Equal(excluded, Excluded(path, pattern));

    [Theory]
    [InlineData("[]a]")]
    [InlineData("[-]")]
    [InlineData("[x-]")]
    [InlineData("[-x]")]
    [InlineData("\\")]
    [InlineData("[a-b-c]")]
    [InlineData("[")]
    [InlineData("[^")]
    [InlineData("[^bc")]
    [InlineData("a[")]
    [InlineData("!")]
    // passes filepath.Match's check but not Go's regexp (range l-O reversed): Docker fails when it matches
    [InlineData("[Local-Only]/")]
    public void Malformed_patterns_are_errors(string pattern)
    {
        var e = Assert.Throws<DockerIgnoreException>(() => DockerIgnore.Parse(pattern));
        Assert.Equal(1, e.Line);
        Assert.Contains(".dockerignore line 1", e.Message);
    }

    public static TheoryData<string[], string, bool> MultiPattern => new()
    {
        // TestMatches' multiPatternTests
        { ["**", "!util/docker/web"], "util/docker/web/foo", false },
        { ["**", "!util/docker/web", "util/docker/web/foo"], "util/docker/web/foo", true },
        { ["**", "!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", false },
        { ["**", "!dist/*.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", false },
        // TestExclusionPatternMatchesPatternBefore / After, TestPatternMatchesFolder*Exclusions
        { ["!fileutils.go", "*.go"], "fileutils.go", true },
        { ["*.go", "!fileutils.go"], "fileutils.go", false },
        { ["docs", "!docs/README.md"], "docs/README.md", false },
        { ["docs/", "!docs/README.md"], "docs/README.md", false },
        { ["docs/*", "!docs/README.md"], "docs/README.md", false },
        { ["docs", "!docs/README.md"], "docs/other.md", true },
        { ["  docs  ", "  !docs/README.md  "], "docs/README.md", false },
        // TestWildcardMatches, TestPatternMatches, TestExclusionPatternMatchesWholeDirectory, no patterns
        { ["*"], "fileutils.go", true },
        { ["*.go"], "fileutils.go", true },
        { ["*.go"], ".", false },
        { ["**"], ".", false },
        { [], "any/path/there", false },
        // the last pattern that matches decides, a directory's exclusion covers what is below it
        { ["*.md", "!README.md", "README*"], "README.md", true },
        { ["*.md", "README*", "!README.md"], "README.md", false },
        { ["a", "!a/b/c"], "a/b/c", false },
        { ["a", "!a/b/c"], "a/b/c/d", false },
        { ["a", "!a/b/c"], "a/b/d", true },
        { ["a", "!a/b/c", "a/b/c/x"], "a/b/c/x", true },
        { ["a", "!a/**/keep"], "a/x/y/keep", false },
        { ["a", "!a/**/keep"], "a/x/y/drop", true },
        // BuildKit's walk (MatchesUsingParentResults): an exception skipped for a directory because nothing was
        // excluded yet is not inherited below it, so "!a" does not re-include a/x (MatchesOrParentMatches would)
        { ["a/x", "!a"], "a/x", true },
        { ["a/x", "!a"], "a", false },
    };

    [Theory]
    [MemberData(nameof(MultiPattern))]
    public void Several_patterns_match_as_in_patternmatcher(string[] patterns, string path, bool excluded)
        => Assert.Equal(excluded, Excluded(path, patterns));

    [Theory]
    // TestCompile's match kinds
    [InlineData("*", "Program")]
    [InlineData("file*", "Program")]
    [InlineData("*file", "Program")]
    [InlineData("a*/b", "Program")]
    [InlineData("**", "Suffix")]
    [InlineData("**/**", "Program")]
    [InlineData("dir/**", "Prefix")]
    [InlineData("**/dir", "Suffix")]
    [InlineData("**/dir2/*", "Program")]
    [InlineData("**/dir2/**", "Program")]
    [InlineData("**file", "Suffix")]
    [InlineData("**/file*txt", "Program")]
    [InlineData("**/**/*.txt", "Program")]
    [InlineData("a[b-d]e", "Program")]
    [InlineData(".*", "Program")]
    [InlineData("abc.def", "Exact")]
    [InlineData("abc?def", "Program")]
    [InlineData("**/foo/bar", "Suffix")]
    [InlineData("a(b)c/def", "Exact")]
    [InlineData("a.|)$(}+{bc", "Exact")]
    [InlineData("dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", "Exact")]
    // an escape or a lone ']' makes Docker compile a regexp
    [InlineData("a\\b", "Program")]
    [InlineData("a]", "Program")]
    public void Patterns_compile_to_patternmatchers_kinds(string pattern, string kind)
        => Assert.Equal(kind, IgnorePattern.Parse(pattern)!.Kind.ToString());

    [Theory]
    // a suffix pattern compares text: "**foo" matches "barfoo", as Docker's does
    [InlineData("**foo", "barfoo", true)]
    [InlineData("**foo", "dir/barfoo", true)]
    [InlineData("**/foo", "barfoo", false)]
    // the same text with a wildcard after it is a regexp, where ** only spans whole directories
    [InlineData("**foo?", "barfoox", false)]
    [InlineData("**foo?", "dir/foox", true)]
    // a ** inside a pattern is "any directories, or none"
    [InlineData("a/**/b", "a/b", true)]
    [InlineData("a/**/b", "a/x/y/b", true)]
    [InlineData("a/**/b", "a/xb", false)]
    [InlineData("a**b", "a/b", true)]
    [InlineData("a**b", "axb", false)]
    // Go's regexp '.' stops at a newline: a ** compiled into a regexp does not cross one, a prefix does
    [InlineData("**/*.txt", "x\ny/a.txt", false)]
    [InlineData("dir/**", "dir/a\nb", true)]
    // a class may match '/', '?' and '*' may not
    [InlineData("a[/]b", "a/b", true)]
    [InlineData("a?b", "a/b", false)]
    public void Docker_match_kinds_are_kept_apart(string pattern, string path, bool excluded)
        => Assert.Equal(excluded, Excluded(path, pattern));

    [Fact]
    public void A_pathological_pattern_matches_in_linear_time()
    {
        var pattern = string.Concat(Enumerable.Repeat("*a", 30)) + "b";
        var name = new string('a', 4000);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(Excluded(name, pattern));
        Assert.True(sw.ElapsedMilliseconds < 500, $"took {sw.ElapsedMilliseconds} ms");
    }
}
