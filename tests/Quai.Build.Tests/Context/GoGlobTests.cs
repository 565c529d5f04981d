using Quai.Build.Context;

namespace Quai.Build.Tests.Context;

/// <summary>COPY wildcards: Go's filepath.Match, with the cases of Go's match_test.go (which
/// patternmatcher_test.go copies), and fsutil's test for where a source's wildcard part starts.</summary>
public class GoGlobTests
{
    [Theory]
    [InlineData("abc", "abc", true)]
    [InlineData("*", "abc", true)]
    [InlineData("*c", "abc", true)]
    [InlineData("a*", "a", true)]
    [InlineData("a*", "abc", true)]
    [InlineData("a*", "ab/c", false)] // no parent rule here, unlike .dockerignore
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
    [InlineData("a\\*b", "a*b", true)]
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
    [InlineData("**", "a/b", false)] // no ** in filepath.Match: two stars are one
    [InlineData("[z-a]", "m", false)] // a reversed range is accepted and matches nothing
    [InlineData("😀?", "😀😀", true)] // one code point, not one UTF-16 unit
    public void Matches_as_filepath_Match(string pattern, string name, bool match)
        => Assert.Equal(match, GoGlob.Match(pattern, name));

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
    public void Malformed_patterns_are_ErrBadPattern(string pattern)
        => Assert.Equal(GoGlob.BadPattern, Assert.Throws<FormatException>(() => GoGlob.Match(pattern, "a")).Message);

    [Theory]
    [InlineData("file.txt", false)]
    [InlineData("*.txt", true)]
    [InlineData("a?", true)]
    [InlineData("[ab]", true)]
    [InlineData("a]", false)]
    [InlineData("a\\*", false)]
    [InlineData("a\\\\*", true)]
    public void Wildcards_start_at_an_unescaped_star_question_mark_or_bracket(string element, bool wild)
        => Assert.Equal(wild, GoGlob.ContainsWildcards(element));

    [Theory]
    [InlineData("", ".")]
    [InlineData("a//b/./c/", "a/b/c")]
    [InlineData("a/../../b", "../b")]
    [InlineData("/../a", "/a")]
    [InlineData("/", "/")]
    [InlineData("a/..", ".")]
    [InlineData("../../x/..", "../..")]
    public void Clean_is_go_filepath_Clean(string path, string clean) => Assert.Equal(clean, GoPath.Clean(path));
}
