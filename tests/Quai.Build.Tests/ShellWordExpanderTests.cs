namespace Quai.Build.Tests;

using Quai.Build.Syntax;

/// <summary>
/// The expander against BuildKit's shell lexer expectations: shell/envVarTest (ProcessWord),
/// shell/wordsTest (ProcessWords) and lex_test.go's cases.
/// </summary>
public sealed class ShellWordExpanderTests
{
    /// <summary>
    /// BuildKit's shell/envVarTest (its Unix and all-platform rows): input ⟶ expected word, or
    /// "error"; run with PWD=/home SHELL=bash KOREAN=한국어 NULL= (set, empty).
    /// </summary>
    private const string EnvVarTest = """
        hello ⟶ hello
        he'll'o ⟶ hello
        he'llo ⟶ error
        he\'llo ⟶ he'llo
        he\\'llo ⟶ error
        abc\tdef ⟶ abctdef
        "abc\tdef" ⟶ abc\tdef
        "abc\\tdef" ⟶ abc\tdef
        'abc\tdef' ⟶ abc\tdef
        hello\ ⟶ hello
        hello\\ ⟶ hello\
        "hello ⟶ error
        "hello\" ⟶ error
        "hel'lo" ⟶ hel'lo
        'hello ⟶ error
        'hello\' ⟶ hello\
        'hello\there' ⟶ hello\there
        'hello\\there' ⟶ hello\\there
        "''" ⟶ ''
        $. ⟶ $.
        he$1x ⟶ hex
        he$.x ⟶ he$.x
        he$pwd. ⟶ he.
        he$PWD ⟶ he/home
        he\$PWD ⟶ he$PWD
        he\\$PWD ⟶ he\/home
        "he\$PWD" ⟶ he$PWD
        "he\\$PWD" ⟶ he\/home
        \${} ⟶ ${}
        \${}aaa ⟶ ${}aaa
        he\${} ⟶ he${}
        he\${}xx ⟶ he${}xx
        ${} ⟶ error
        ${}aaa ⟶ error
        he${} ⟶ error
        he${}xx ⟶ error
        he${hi} ⟶ he
        he${hi}xx ⟶ hexx
        he${PWD} ⟶ he/home
        he${.} ⟶ error
        he${XXX:-000}xx ⟶ he000xx
        he${PWD:-000}xx ⟶ he/homexx
        he${XXX:-$PWD}xx ⟶ he/homexx
        he${XXX:-${PWD:-yyy}}xx ⟶ he/homexx
        he${XXX:-${YYY:-yyy}}xx ⟶ heyyyxx
        he${XXX:YYY} ⟶ error
        he${XXX?} ⟶ error
        he${XXX:?} ⟶ error
        he${PWD?} ⟶ he/home
        he${PWD:?} ⟶ he/home
        he${NULL?} ⟶ he
        he${NULL:?} ⟶ error
        he${XXX:+${PWD}}xx ⟶ hexx
        he${PWD:+${XXX}}xx ⟶ hexx
        he${PWD:+${SHELL}}xx ⟶ hebashxx
        he${XXX:+000}xx ⟶ hexx
        he${PWD:+000}xx ⟶ he000xx
        'he${XX}' ⟶ he${XX}
        "he${PWD}" ⟶ he/home
        "he'$PWD'" ⟶ he'/home'
        "$PWD" ⟶ /home
        '$PWD' ⟶ $PWD
        '\$PWD' ⟶ \$PWD
        '"hello"' ⟶ "hello"
        he\$PWD ⟶ he$PWD
        "he\$PWD" ⟶ he$PWD
        'he\$PWD' ⟶ he\$PWD
        he${PWD ⟶ error
        he${PWD:=000}xx ⟶ error
        he${PWD:+${PWD}:}xx ⟶ he/home:xx
        he${XXX:-\$PWD:}xx ⟶ he$PWD:xx
        he${XXX:-\${PWD}z}xx ⟶ he${PWDz}xx
        안녕하세요 ⟶ 안녕하세요
        안'녕'하세요 ⟶ 안녕하세요
        안'녕하세요 ⟶ error
        안녕\'하세요 ⟶ 안녕'하세요
        안\\'녕하세요 ⟶ error
        안녕\t하세요 ⟶ 안녕t하세요
        "안녕\t하세요" ⟶ 안녕\t하세요
        '안녕\t하세요 ⟶ error
        안녕하세요\ ⟶ 안녕하세요
        안녕하세요\\ ⟶ 안녕하세요\
        "안녕하세요 ⟶ error
        "안녕하세요\" ⟶ error
        "안녕'하세요" ⟶ 안녕'하세요
        '안녕하세요 ⟶ error
        '안녕하세요\' ⟶ 안녕하세요\
        안녕$1x ⟶ 안녕x
        안녕$.x ⟶ 안녕$.x
        안녕$pwd. ⟶ 안녕.
        안녕$PWD ⟶ 안녕/home
        안녕\$PWD ⟶ 안녕$PWD
        안녕\\$PWD ⟶ 안녕\/home
        안녕\${} ⟶ 안녕${}
        안녕\${}xx ⟶ 안녕${}xx
        안녕${} ⟶ error
        안녕${}xx ⟶ error
        안녕${hi} ⟶ 안녕
        안녕${hi}xx ⟶ 안녕xx
        안녕${PWD} ⟶ 안녕/home
        안녕${.} ⟶ error
        안녕${XXX:-000}xx ⟶ 안녕000xx
        안녕${PWD:-000}xx ⟶ 안녕/homexx
        안녕${XXX:-$PWD}xx ⟶ 안녕/homexx
        안녕${XXX:-${PWD:-yyy}}xx ⟶ 안녕/homexx
        안녕${XXX:-${YYY:-yyy}}xx ⟶ 안녕yyyxx
        안녕${XXX:YYY} ⟶ error
        안녕${XXX:+${PWD}}xx ⟶ 안녕xx
        안녕${PWD:+${XXX}}xx ⟶ 안녕xx
        안녕${PWD:+${SHELL}}xx ⟶ 안녕bashxx
        안녕${XXX:+000}xx ⟶ 안녕xx
        안녕${PWD:+000}xx ⟶ 안녕000xx
        '안녕${XX}' ⟶ 안녕${XX}
        "안녕${PWD}" ⟶ 안녕/home
        "안녕'$PWD'" ⟶ 안녕'/home'
        '"안녕"' ⟶ "안녕"
        안녕\$PWD ⟶ 안녕$PWD
        "안녕\$PWD" ⟶ 안녕$PWD
        '안녕\$PWD' ⟶ 안녕\$PWD
        안녕${PWD ⟶ error
        안녕${PWD:=000}xx ⟶ error
        안녕${PWD:+${PWD}:}xx ⟶ 안녕/home:xx
        안녕${XXX:-\$PWD:}xx ⟶ 안녕$PWD:xx
        안녕${XXX:-\${PWD}z}xx ⟶ 안녕${PWDz}xx
        $KOREAN ⟶ 한국어
        안녕$KOREAN ⟶ 안녕한국어
        ${{aaa} ⟶ error
        ${aaa}} ⟶ }
        ${aaa ⟶ error
        ${{aaa:-bbb} ⟶ error
        ${aaa:-bbb}} ⟶ bbb}
        ${aaa:-bbb ⟶ error
        ${aaa:-bbb} ⟶ bbb
        ${aaa:-${bbb:-ccc}} ⟶ ccc
        ${aaa:-bbb ${foo} ⟶ error
        ${aaa:-bbb {foo} ⟶ bbb {foo
        ${:} ⟶ error
        ${:-bbb} ⟶ error
        ${:+bbb} ⟶ error
        $1 ⟶
        ${1} ⟶
        ${1:+bbb} ⟶
        ${1:-bbb} ⟶ bbb
        $2 ⟶
        ${2} ⟶
        ${2:+bbb} ⟶
        ${2:-bbb} ⟶ bbb
        $3 ⟶
        ${3} ⟶
        ${3:+bbb} ⟶
        ${3:-bbb} ⟶ bbb
        $4 ⟶
        ${4} ⟶
        ${4:+bbb} ⟶
        ${4:-bbb} ⟶ bbb
        $5 ⟶
        ${5} ⟶
        ${5:+bbb} ⟶
        ${5:-bbb} ⟶ bbb
        $6 ⟶
        ${6} ⟶
        ${6:+bbb} ⟶
        ${6:-bbb} ⟶ bbb
        $7 ⟶
        ${7} ⟶
        ${7:+bbb} ⟶
        ${7:-bbb} ⟶ bbb
        $8 ⟶
        ${8} ⟶
        ${8:+bbb} ⟶
        ${8:-bbb} ⟶ bbb
        $9 ⟶
        ${9} ⟶
        ${9:+bbb} ⟶
        ${9:-bbb} ⟶ bbb
        $999 ⟶
        ${999} ⟶
        ${999:+bbb} ⟶
        ${999:-bbb} ⟶ bbb
        $999aaa ⟶ aaa
        ${999}aaa ⟶ aaa
        ${999:+bbb}aaa ⟶ aaa
        ${999:-bbb}aaa ⟶ bbbaaa
        $001 ⟶
        ${001} ⟶
        ${001:+bbb} ⟶
        ${001:-bbb} ⟶ bbb
        $001aaa ⟶ aaa
        ${001}aaa ⟶ aaa
        ${001:+bbb}aaa ⟶ aaa
        ${001:-bbb}aaa ⟶ bbbaaa
        $@ ⟶
        ${@} ⟶
        ${@:+bbb} ⟶
        ${@:-bbb} ⟶ bbb
        $@@@ ⟶ @@
        $@aaa ⟶ aaa
        ${@}aaa ⟶ aaa
        ${@:+bbb}aaa ⟶ aaa
        ${@:-bbb}aaa ⟶ bbbaaa
        $* ⟶
        ${*} ⟶
        ${*:+bbb} ⟶
        ${*:-bbb} ⟶ bbb
        $# ⟶
        ${#} ⟶
        ${#:+bbb} ⟶
        ${#:-bbb} ⟶ bbb
        $? ⟶
        ${?} ⟶
        ${?:+bbb} ⟶
        ${?:-bbb} ⟶ bbb
        $- ⟶
        ${-} ⟶
        ${-:+bbb} ⟶
        ${-:-bbb} ⟶ bbb
        $$ ⟶
        ${$} ⟶
        ${$:+bbb} ⟶
        ${$:-bbb} ⟶ bbb
        $! ⟶
        ${!} ⟶
        ${!:+bbb} ⟶
        ${!:-bbb} ⟶ bbb
        $0 ⟶
        ${0} ⟶
        ${0:+bbb} ⟶
        ${0:-bbb} ⟶ bbb
        """;

    public static TheoryData<string, string> EnvVarCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var line in EnvVarTest.Split('\n'))
        {
            int arrow = line.IndexOf('⟶');
            data.Add(line[..arrow].Trim(), line[(arrow + 1)..].Trim());
        }
        return data;
    }

    private static readonly Dictionary<string, string> EnvVarTestEnvironment = new()
    {
        ["PWD"] = "/home", ["SHELL"] = "bash", ["KOREAN"] = "한국어", ["NULL"] = "",
    };

    private static Func<string, string?> Lookup(Dictionary<string, string> variables) => name => variables.GetValueOrDefault(name);

    [Theory]
    [MemberData(nameof(EnvVarCases))]
    public void ProcessWordMatchesBuildKitsEnvVarTest(string input, string expected)
    {
        var expander = new ShellWordExpander();
        if (expected == "error")
        {
            var e = Assert.Throws<ShellExpansionException>(() => expander.ProcessWord(input, Lookup(EnvVarTestEnvironment)));
            Assert.StartsWith("failed to process \"", e.Message);
            return;
        }
        Assert.Equal(expected, expander.ProcessWord(input, Lookup(EnvVarTestEnvironment)));
    }

    [Theory]
    // BuildKit's shell/wordsTest: input, the environment so far, the words (comma-separated)
    [InlineData("hello", "", "hello")]
    [InlineData("hello${hi}bye", "", "hellobye")]
    [InlineData("hello${hi}bye", "hi=hi", "hellohibye")]
    [InlineData("hello${space}bye", "space=abc  def", "helloabc,defbye")]
    [InlineData("hello\"${space}\"bye", "space=abc  def", "helloabc  defbye")]
    [InlineData("hello \"${space}\"bye", "space=abc  def", "hello,abc  defbye")]
    [InlineData("hello${leading}def", "leading=  ab c", "hello,ab,cdef")]
    [InlineData("hello\"${leading}\" def", "leading=  ab c", "hello  ab c,def")]
    [InlineData("hello\"${leading}\"", "leading=  ab c", "hello  ab c")]
    [InlineData("hello${leading}", "leading=  ab c", "hello,ab,c")]
    [InlineData("hello${trailing}", "trailing=ab c   ", "helloab,c")]
    [InlineData("hello${trailing}d", "trailing=ab c   ", "helloab,c,d")]
    [InlineData("hello\"${trailing}\"d", "trailing=ab c   ", "helloab c   d")]
    [InlineData("hel\"lo${trailing}\"", "trailing=ab c   ", "helloab c   ")]
    [InlineData("hello\" there  \"", "", "hello there  ")]
    [InlineData("hello there", "", "hello,there")]
    [InlineData("hello\\ there", "", "hello there")]
    [InlineData("hello\" there", "", "error")]
    [InlineData("hello\\\" there", "", "hello\",there")]
    [InlineData("hello\"\\\\there\"", "", "hello\\there")]
    [InlineData("hello\"\\there\"", "", "hello\\there")]
    [InlineData("hello'\\\\there'", "", "hello\\\\there")]
    [InlineData("hello'\\there'", "", "hello\\there")]
    [InlineData("hello'$there'", "", "hello$there")]
    // and not in wordsTest: modifiers keep the text before them in the same word
    [InlineData("a${x:-b c}d e", "", "ab,cd,e")]
    [InlineData("\"\" '' x", "", "x")]
    public void ProcessWordsMatchesBuildKitsWordsTest(string input, string environment, string expected)
    {
        var variables = new Dictionary<string, string>();
        if (environment.Length > 0)
        {
            int eq = environment.IndexOf('=');
            variables[environment[..eq]] = environment[(eq + 1)..];
        }
        var expander = new ShellWordExpander();
        IReadOnlyList<string> words;
        try { words = expander.ProcessWords(input, Lookup(variables)); }
        catch (ShellExpansionException) { words = ["error"]; }
        Assert.Equal(expected.Split(','), words);
    }

    public static TheoryData<string, string, string?> MatchesCases => new()
    {
        // lex_test.go TestProcessWithMatches: input, environment (k=v;k=v), result or null for an error
        { "x", "DUMMY=dummy", "x" },
        { "x ${UNUSED}", "DUMMY=dummy", "x " },
        { "x ${FOO}", "FOO=y", "x y" },
        { "${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}", "FOO=xxx;BAR=", "xxx  ccc" },
        { "${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}", "FOO=xxx;BAR=", "xxx bbb ccc" },
        { "${FOO:-}", "FOO=xxx;BAR=", "xxx" },
        { "${FOO:-}", "", "" },
        { "${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}", "FOO=xxx;BAR=", "aaa bbb " },
        { "${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}", "FOO=xxx;BAR=", "aaa  " },
        { "${FOO?aaa}", "FOO=xxx;BAR=", "xxx" },
        { "${BAR?bbb}", "FOO=xxx;BAR=", "" },
        { "${BAZ?ccc}", "FOO=xxx;BAR=", null },
        { "${FOO:?aaa}", "FOO=xxx;BAR=", "xxx" },
        { "${BAR:?bbb}", "FOO=xxx;BAR=", null },
        { "${BAZ:?ccc}", "FOO=xxx;BAR=", null },
        { "${BAZ:?}", "FOO=xxx;BAR=", null },
        { "${FOO=aaa}", "FOO=xxx;BAR=", null },
        { "${FOO=:aaa}", "FOO=xxx;BAR=", null },
        { "${FOO=}", "", null },
        { "${FOO#()[]{\\}^$.\\*\\?|\\\\}", "FOO=()[]{}^$.*?|\\x", "x" },
        { "${FOO%%\\**}", "FOO=xx**", "xx" },
        { "${FOO#*x*y}", "FOO=xxyy", "y" },
        { "${FOO#*}", "FOO=xxyy", "xxyy" },
        { "${FOO#$BAR}", "FOO=xxyy;BAR=x", "xyy" },
        { "${FOO#$BAR}", "FOO=xxyy;BAR=", "xxyy" },
        { "${FOO#}", "FOO=xxyy", "xxyy" },
        { "${FOO##*x}", "FOO=xxyy", "yy" },
        { "${FOO##}", "FOO=xxyy", "xxyy" },
        { "${FOO#?\\?}", "FOO=???y", "?y" },
        { "${ABC:-.}${FOO%x}${ABC:-.}", "FOO=xxyy", ".xxyy." },
        { "${FOO%%\\**\\*}", "FOO=a***yy*", "a" },
        { "${FOO%}", "FOO=xxyy", "xxyy" },
        { "${FOO%%$BAR}", "FOO=xxyy;BAR=", "xxyy" },
        { "${FOO:#}", "", null },
        { "${FOO:##}", "", null },
        { "${FOO:%}", "", null },
        { "${FOO:%%}", "", null },
        { "${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}", "FOO=/foo*/*/*.txt;NEEDLE=\\*/", "/foo.*/*.txt - /foo..*.txt" },
        { "${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}", "FOO=/tmp/tmp/bar.txt;NEEDLE=/tmp", "/tmp/bar.txt - /bar.txt" },
        { "${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}", "FOO=/a/foo/b/c.txt;NEEDLE=/?/;REPLACEMENT=/", "/foo/b/c.txt - /foo/c.txt" },
        { "${FOO/$NEEDLE/$REPLACEMENT}", "FOO=http://google.de;NEEDLE=http://;REPLACEMENT=https://", "https://google.de" },
        { "${FOO//\\//\\/}", "FOO=/tmp/foo.txt", "\\/tmp\\/foo.txt" },
        { "${FOO/$BAR/ww}", "FOO=xxyy;BAR=", "wwxxyy" },
        { "${FOO//ww}", "FOO=xxyy", null },
        { "${FOO//}", "FOO=xxyy", null },
        { "${FOO///}", "FOO=xxyy", "xxyy" },
        { "${FOO///}", "", "" },
        // TestProcessWithMatchesPlatform
        { "something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz", "VERSION=v1.2.3;TARGETOS=linux;TARGETARCH=arm;TARGETVARIANT=v7", "something-v1.2.3.linux-arm-v7.tar.gz" },
        { "something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz", "VERSION=v1.2.3;TARGETOS=linux;TARGETARCH=arm64;TARGETVARIANT=", "something-v1.2.3.linux-arm64.tar.gz" },
        { "something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz", "VERSION=v1.2.3;TARGETOS=linux;TARGETARCH=arm64", "something-v1.2.3.linux-arm64.tar.gz" },
        // replace-all uses Go's rules: no empty match right after a match, $ templates
        { "${FOO//*/z}", "FOO=abc", "z" },
        { "${FOO//b/<\\$0>}", "FOO=abc", "a<\\b>c" },
        { "${FOO/b/<\\$0>}", "FOO=abc", "a<\\$0>c" },
        { "${FOO//b/$0}", "FOO=abc", "ac" }, // $0 is a (positional, unset) variable before it could be a template
    };

    [Theory]
    [MemberData(nameof(MatchesCases))]
    public void ProcessWordMatchesBuildKitsLexTests(string input, string environment, string? expected)
    {
        var variables = new Dictionary<string, string>();
        foreach (var pair in environment.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=');
            variables[pair[..eq]] = pair[(eq + 1)..];
        }
        var expander = new ShellWordExpander();
        if (expected is null) Assert.Throws<ShellExpansionException>(() => expander.ProcessWord(input, Lookup(variables)));
        else Assert.Equal(expected, expander.ProcessWord(input, Lookup(variables)));
    }

    [Theory]
    // lex_test.go TestShellParserMandatoryEnvVars, with the full messages
    [InlineData("${VAR:?message here$ARG}", "VAR=plain", "plain")]
    [InlineData("${VAR:?message here$ARG}", "VAR=", "failed to process \"${VAR:?message here$ARG}\": VAR: message herex")]
    [InlineData("${VAR:?message here$ARG}", "", "failed to process \"${VAR:?message here$ARG}\": VAR: message herex")]
    [InlineData("${VAR?message here$ARG}", "VAR=plain", "plain")]
    [InlineData("${VAR?message here$ARG}", "VAR=", "")]
    [InlineData("${VAR?message here$ARG}", "", "failed to process \"${VAR?message here$ARG}\": VAR: message herex")]
    [InlineData("${VAR?}", "", "failed to process \"${VAR?}\": VAR: is not allowed to be unset")]
    [InlineData("${VAR:?}", "VAR=", "failed to process \"${VAR:?}\": VAR: is not allowed to be empty")]
    // other messages
    [InlineData("'abc", "", "failed to process \"'abc\": unexpected end of statement while looking for matching single-quote")]
    [InlineData("\"abc", "", "failed to process \"\\\"abc\": unexpected end of statement while looking for matching double-quote")]
    [InlineData("${}", "", "failed to process \"${}\": syntax error: bad substitution")]
    [InlineData("${", "", "failed to process \"${\": syntax error: missing '}'")]
    [InlineData("${aaa", "", "failed to process \"${aaa\": syntax error: missing '}'")]
    [InlineData("${aaa:-bbb", "", "failed to process \"${aaa:-bbb\": syntax error: missing '}'")]
    [InlineData("${PWD:=000}", "PWD=x", "failed to process \"${PWD:=000}\": unsupported modifier (:=) in substitution")]
    [InlineData("${.}", "", "failed to process \"${.}\": unsupported modifier (.) in substitution")]
    [InlineData("${FOO:#x}", "", "failed to process \"${FOO:#x}\": unsupported modifier (:#) in substitution")]
    [InlineData("${FOO/x", "FOO=a", "failed to process \"${FOO/x\": syntax error: missing '/' in ${}")]
    [InlineData("${FOO#\\x}", "FOO=a", "failed to process \"${FOO#\\\\x}\": invalid pattern (\\x) in substitution: invalid escape '\\x'")]
    public void MandatoryVariablesAndErrorMessages(string input, string environment, string expected)
    {
        var variables = new Dictionary<string, string>();
        if (environment.Length > 0) variables[environment[..environment.IndexOf('=')]] = environment[(environment.IndexOf('=') + 1)..];
        variables["ARG"] = "x";
        var expander = new ShellWordExpander();
        string actual;
        try { actual = expander.ProcessWord(input, Lookup(variables)); }
        catch (ShellExpansionException e) { actual = e.Message; }
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void TheEscapeTokenIsConfigurable()
    {
        var backtick = new ShellWordExpander('`');
        var home = Lookup(new() { ["PWD"] = "/home" });
        Assert.Equal('`', backtick.EscapeToken);
        Assert.Equal("he$PWD", backtick.ProcessWord("he`$PWD", home));
        Assert.Equal("C:\\/home\\x", backtick.ProcessWord("C:\\$PWD\\x", home));
        Assert.Equal("a\"b", backtick.ProcessWord("\"a`\"b\"", home));
    }

    [Fact]
    public void OptionsKeepQuotesEscapesOrUnsetReferences()
    {
        var variables = Lookup(new() { ["PWD"] = "/home" });
        Assert.Equal("'a' \"/home\"", new ShellWordExpander { RawQuotes = true }.ProcessWord("'a' \"$PWD\"", variables));
        Assert.Equal("a\\ b \\$PWD", new ShellWordExpander { RawEscapes = true }.ProcessWord("a\\ b \\$PWD", variables));
        Assert.Equal("'' \"/home\"", new ShellWordExpander { SkipProcessQuotes = true }.ProcessWord("'$X' \"$PWD\"", variables));
        Assert.Equal("$X ${Y} ${Z:-z} ${Q/a/b} /home", new ShellWordExpander { SkipUnsetVariables = true }.ProcessWord("$X ${Y} ${Z:-z} ${Q/a/b} $PWD", variables));
        // how BuildKit expands COPY heredoc bodies: quotes are text
        Assert.Equal("echo \"/home\" '/home'\n", new ShellWordExpander { SkipProcessQuotes = true }.ProcessWord("echo \"$PWD\" '$PWD'\n", variables));
    }

    [Theory]
    // parser_test.go TestParseWords, and quotes/escapes kept
    [InlineData("foo", new[] { "foo" })]
    [InlineData("foo bar", new[] { "foo", "bar" })]
    [InlineData("foo\\ bar", new[] { "foo\\ bar" })]
    [InlineData("foo=bar", new[] { "foo=bar" })]
    [InlineData("foo bar 'abc xyz'", new[] { "foo", "bar", "'abc xyz'" })]
    [InlineData("foo bar \"abc xyz\"", new[] { "foo", "bar", "\"abc xyz\"" })]
    [InlineData("àöû", new[] { "àöû" })]
    [InlineData("föo bàr \"âbc xÿz\"", new[] { "föo", "bàr", "\"âbc xÿz\"" })]
    [InlineData("  a=\"b \\\" c\"   d='e \\' f ", new[] { "a=\"b \\\" c\"", "d='e \\'", "f" })]
    [InlineData("a \"\" b=", new[] { "a", "\"\"", "b=" })]
    [InlineData("trailing\\", new[] { "trailing" })]
    public void SplitWordsKeepsQuotesAndEscapes(string text, string[] words)
    {
        Assert.Equal(words, ShellWordExpander.SplitWords(text));
    }

    [Fact]
    public void SplitWordsUsesTheEscapeToken()
    {
        Assert.Equal(["a` b", "c\\", "d"], ShellWordExpander.SplitWords("a` b c\\ d", '`'));
    }

    [Fact]
    public void TheInstructionsThatExpandVariables()
    {
        Assert.Equal(
            ["ADD", "ARG", "COPY", "ENV", "EXPOSE", "FROM", "LABEL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"],
            ShellWordExpander.ExpandedInstructions.Order(StringComparer.Ordinal));
        Assert.Contains("workdir", ShellWordExpander.ExpandedInstructions);
        Assert.DoesNotContain("RUN", ShellWordExpander.ExpandedInstructions);
        Assert.DoesNotContain("ONBUILD", ShellWordExpander.ExpandedInstructions);
    }

    [Fact]
    public void ExpandingParsedArgumentsGivesTheFinalValues()
    {
        var parsed = DockerfileParser.Parse("FROM a\nENV name=\"a b\" other='$X' third=c\\ d\\$");
        var expander = new ShellWordExpander(parsed.EscapeToken);
        var env = (EnvInstruction)parsed.Stages[0].Instructions[0];
        Assert.Equal(["a b", "$X", "c d$"], env.Variables.Select(v => expander.ProcessWord(v.Value, _ => "x")));
    }

    [Theory]
    [InlineData("a\\*c", "c\\*a")]
    [InlineData("\\\\\\ab", "b\\a\\\\")]
    [InlineData("ab\\", "\\ba")]
    [InlineData("👽\\🚀🖖", "🖖\\🚀👽")]
    [InlineData("\\\\b", "b\\\\")]
    public void ReversesPatternsKeepingEscapes(string pattern, string reversed)
    {
        // lex_test.go TestReversePattern
        Assert.Equal(reversed, ShellPattern.ReversePattern(pattern));
        Assert.Equal("12345", ShellPattern.ReverseString("54321"));
        Assert.Equal("👽🚀🖖", ShellPattern.ReverseString("🖖🚀👽"));
    }

    [Theory]
    [InlineData("(()[]{\\}^$.\\*\\?|\\\\", "^\\(\\(\\)\\[\\]\\{\\}\\^\\$\\.\\*\\?\\|\\\\")]
    [InlineData("\\*", "^\\*")]
    public void ConvertsPatternsToRegularExpressions(string pattern, string regex)
    {
        // lex_test.go TestConvertShellPatternToRegex (its * and ? cases differ only in how "one code point" is spelled)
        Assert.Equal(regex, ShellPattern.ToRegex(pattern, greedy: true, anchored: true).ToString());
        Assert.Equal("^.*", ShellPattern.ToRegex("*", greedy: true, anchored: true).ToString());
        Assert.Equal(".*?", ShellPattern.ToRegex("*", greedy: false, anchored: false).ToString());
    }

    [Theory]
    [InlineData("\\")]
    [InlineData("\\x")]
    [InlineData("\\\\\\")]
    public void RejectsInvalidPatternEscapes(string pattern)
    {
        Assert.Throws<SyntaxError>(() => ShellPattern.ToRegex(pattern, greedy: true, anchored: true));
    }

    [Fact]
    public void QuestionMarkMatchesOneCodePoint()
    {
        var expander = new ShellWordExpander();
        Assert.Equal("b", expander.ProcessWord("${V#?}", _ => "🖖b"));
        Assert.Equal("🖖", expander.ProcessWord("${V%?}", _ => "🖖b"));
    }
}
