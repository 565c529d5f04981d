using Quai.Build.Context;

namespace Quai.Build.Tests.Context;

/// <summary>Reading a .dockerignore as moby/patternmatcher's ignorefile.ReadAll does (its TestReadAll
/// content), errors naming the line, and the walk's rule for excluded directories.</summary>
public class DockerIgnoreFileTests
{
    [Fact]
    public void Reads_lines_as_ignorefile_ReadAll()
    {
        // ignorefile_test.go's content, without its "!" lines (patternmatcher refuses those: see below)
        const string content = "test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n";
        var ignore = DockerIgnore.Parse(content);
        Assert.Equal(["test1", "test2", "a/file/here", "lastfile", "!inverted/abs/path"], ignore.Patterns);
        Assert.True(ignore.IsExcluded("test2"));
        Assert.True(ignore.IsExcluded("a/file/here/below"));
        Assert.False(ignore.IsExcluded("inverted/abs/path"));
    }

    [Theory]
    [InlineData("a\n!\n", 2)]
    [InlineData("a\n\n# c\n! \n", 4)]
    [InlineData("ok\r\nbad[\r\n", 2)]
    [InlineData("x\ny\nz\\\n", 3)]
    public void An_invalid_line_is_an_error_naming_it(string content, int line)
    {
        var e = Assert.Throws<DockerIgnoreException>(() => DockerIgnore.Parse(content));
        Assert.Equal(line, e.Line);
        Assert.StartsWith($".dockerignore line {line}: ", e.Message);
    }

    [Fact]
    public void Cleans_patterns_like_filepath_Clean()
    {
        var ignore = DockerIgnore.Parse("a//b/../c/\n./d/./e\n/../f\n///g\n!  ./h/\n");
        Assert.Equal(["a/c", "d/e", "f", "g", "!h"], ignore.Patterns);
        Assert.True(ignore.IsExcluded("a/c"));
        Assert.False(ignore.IsExcluded("a/b"));
        Assert.True(ignore.IsExcluded("f/x"));
    }

    [Fact]
    public void Comments_only_in_the_first_column_and_whitespace_is_trimmed()
    {
        var ignore = DockerIgnore.Parse("# comment\n  #not-a-comment  \n\t spaced \t\n\n   \n");
        Assert.Equal(["#not-a-comment", "spaced"], ignore.Patterns);
        Assert.True(ignore.IsExcluded("#not-a-comment"));
        Assert.False(ignore.IsExcluded("# comment"));
        Assert.True(ignore.IsExcluded("spaced"));
    }

    [Fact]
    public void A_bom_and_crlf_line_ends_are_dropped()
    {
        var ignore = DockerIgnore.Parse("\uFEFFfirst\r\nsecond\r\n");
        Assert.Equal(["first", "second"], ignore.Patterns);
        Assert.True(ignore.IsExcluded("first"));
    }

    [Fact]
    public void A_line_longer_than_docker_reads_is_an_error()
    {
        var e = Assert.Throws<DockerIgnoreException>(() => DockerIgnore.Parse("a\n" + new string('x', 70_000)));
        Assert.Equal(2, e.Line);
    }

    [Fact]
    public void Query_paths_are_relative_to_the_root_and_cleaned()
    {
        var ignore = DockerIgnore.Parse("docs\n");
        Assert.True(ignore.IsExcluded("/docs/x"));
        Assert.True(ignore.IsExcluded("./docs/"));
        Assert.True(ignore.IsExcluded("../docs"));
        Assert.False(ignore.IsExcluded("documents"));
        Assert.False(DockerIgnore.Parse("**\n").IsExcluded(""));
    }

    [Theory]
    // no exception: an excluded directory is never entered
    [InlineData(new[] { "a" }, "a", true)]
    // a literal exception below it, or naming it, keeps it walked
    [InlineData(new[] { "a", "!a/b/c" }, "a", false)]
    [InlineData(new[] { "a", "!a/b/c" }, "a/b", false)]
    [InlineData(new[] { "*", "!a/b" }, "a", false)]
    [InlineData(new[] { "a", "!a/b/**" }, "a/b", false)]
    [InlineData(new[] { "a", "!a/b/*" }, "a/b", false)]
    // a literal exception elsewhere does not
    [InlineData(new[] { "a", "!b" }, "a", true)]
    [InlineData(new[] { "a", "!a/b/**" }, "a/c", true)]
    [InlineData(new[] { "a", "!ab" }, "a", true)]
    // an exception with a wildcard could match anywhere: every excluded directory is walked
    [InlineData(new[] { "a", "!*.md" }, "a", false)]
    [InlineData(new[] { "a", "!**/keep" }, "a", false)]
    [InlineData(new[] { "a", "!x/*/y" }, "a", false)]
    public void An_excluded_directory_is_skipped_only_when_no_exception_can_reach_below_it(string[] patterns, string dir, bool skipped)
    {
        var ignore = DockerIgnore.Parse(string.Join('\n', patterns));
        Assert.True(ignore.IsExcluded(dir));
        Assert.Equal(skipped, ignore.SkipsExcludedDirectory(dir));
    }

    [Fact]
    public void An_added_exception_keeps_one_file_even_with_wildcard_characters_in_its_name()
    {
        var ignore = DockerIgnore.Parse("*\n").WithException("Docker[file]*");
        Assert.False(ignore.IsExcluded("Docker[file]*"));
        Assert.True(ignore.IsExcluded("Dockerf"));
        Assert.True(ignore.IsExcluded("Dockerfile"));
    }
}
