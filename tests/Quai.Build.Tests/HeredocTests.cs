namespace Quai.Build.Tests;

using Quai.Build.Syntax;

/// <summary>Heredocs of RUN, COPY and ADD: BuildKit's parser_heredoc_test and parse_heredoc_test cases.</summary>
public sealed class HeredocTests
{
    private static IReadOnlyList<Instruction> Instructions(string body) =>
        DockerfileParser.Parse("FROM alpine:3.6\n" + body.Replace('→', '\t')).Stages[0].Instructions;

    private static IReadOnlyList<Heredoc> Heredocs(Instruction instruction) => instruction switch
    {
        RunInstruction run => run.Heredocs,
        CopyInstruction copy => copy.Heredocs,
        AddInstruction add => add.Heredocs,
        OnbuildInstruction onbuild => Heredocs(onbuild.Trigger),
        _ => [],
    };

    [Fact]
    public void ExtractsHeredocsLikeBuildKit()
    {
        string dockerfile = """
            RUN ls
            RUN <<EMPTY
            EMPTY
            RUN 3<<EMPTY2
            EMPTY2
            RUN "<<NOHEREDOC"
            RUN <<INDENT
            →foo
            →bar
            INDENT
            RUN <<-UNINDENT
            →baz
            →quux
            UNINDENT
            RUN <<-UNINDENT2
            →baz
            →quux
            →UNINDENT2
            RUN <<-EXPAND
            →expand $NAME
            EXPAND
            RUN <<-'NOEXPAND'
            →don't expand $NAME
            NOEXPAND
            RUN <<COMMENT
            # internal comment
            echo hello world
            echo foo bar # trailing comment
            COMMENT
            RUN --mount=type=cache,target=/foo <<MOUNT
            echo hello
            MOUNT
            COPY <<FILE1 <<FILE2 /dest
            content 1
            FILE1
            content 2
            FILE2
            COPY <<EOF /quotes
            "foo"
            'bar'
            EOF
            COPY <<X <<Y /dest
            Y
            X
            X
            Y
            RUN <<COMPLEX python3
            print('hello world')
            COMPLEX
            COPY <<file.txt /dest
            hello world
            file.txt
            RUN <<eo'f'
            echo foo
            eof
            RUN <<eo\'f
            echo foo
            eo'f
            RUN <<'e'o\'f
            echo foo
            eo'f
            RUN <<'one two'
            echo bar
            one two
            RUN <<$EOF
            $EOF
            RUN <<  EOF
            EOF
            RUN <<  EOF  > foo
            EOF
            """;
        var actual = Instructions(dockerfile).Select(i => ModelPrinter.Value(Heredocs(i))).ToList();
        Assert.Equal(
            [
                "[]",
                "[{Name=\"EMPTY\" Content=\"\" Expand=true}]",
                "[{Name=\"EMPTY2\" Content=\"\" Expand=true FileDescriptor=3}]",
                "[]",
                "[{Name=\"INDENT\" Content=\"\\tfoo\\n\\tbar\\n\" Expand=true}]",
                "[{Name=\"UNINDENT\" Content=\"baz\\nquux\\n\" Expand=true Chomp=true}]",
                "[{Name=\"UNINDENT2\" Content=\"baz\\nquux\\n\" Expand=true Chomp=true}]",
                "[{Name=\"EXPAND\" Content=\"expand $NAME\\n\" Expand=true Chomp=true}]",
                "[{Name=\"NOEXPAND\" Content=\"don't expand $NAME\\n\" Chomp=true}]",
                "[{Name=\"COMMENT\" Content=\"# internal comment\\necho hello world\\necho foo bar # trailing comment\\n\" Expand=true}]",
                "[{Name=\"MOUNT\" Content=\"echo hello\\n\" Expand=true}]",
                "[{Name=\"FILE1\" Content=\"content 1\\n\" Expand=true}, {Name=\"FILE2\" Content=\"content 2\\n\" Expand=true}]",
                "[{Name=\"EOF\" Content=\"\\\"foo\\\"\\n'bar'\\n\" Expand=true}]",
                "[{Name=\"X\" Content=\"Y\\n\" Expand=true}, {Name=\"Y\" Content=\"X\\n\" Expand=true}]",
                "[{Name=\"COMPLEX\" Content=\"print('hello world')\\n\" Expand=true}]",
                "[{Name=\"file.txt\" Content=\"hello world\\n\" Expand=true}]",
                "[{Name=\"eof\" Content=\"echo foo\\n\"}]",
                "[{Name=\"eo'f\" Content=\"echo foo\\n\" Expand=true}]",
                "[{Name=\"eo'f\" Content=\"echo foo\\n\"}]",
                "[{Name=\"one two\" Content=\"echo bar\\n\"}]",
                "[{Name=\"$EOF\" Content=\"\" Expand=true}]",
                "[{Name=\"EOF\" Content=\"\" Expand=true}]",
                "[{Name=\"EOF\" Content=\"\" Expand=true}]",
            ],
            actual);
    }

    [Fact]
    public void ExecFormAndOtherInstructionsHaveNoHeredocs()
    {
        // USER is not a heredoc instruction: its "body" is the next instruction
        var e = Assert.Throws<DockerfileParseException>(() => Instructions("USER <<INVALID\nINVALID\n"));
        Assert.Equal("Dockerfile:3: unknown instruction: INVALID", e.Message);

        var runs = Instructions("RUN [\"whoami\"]\nRUN [\"<<EOF\"]\nRUN [\"<<'EOF'\"]\n").Cast<RunInstruction>().ToList();
        Assert.All(runs, r => Assert.Empty(r.Heredocs));
        Assert.Equal(["<<EOF"], runs[1].Command);
    }

    [Fact]
    public void RunKeepsTheCommandLineAndItsHeredocs()
    {
        var run = Assert.IsType<RunInstruction>(Assert.Single(Instructions("RUN <<'EOF' | python\nprint(\"hello\")\nprint(\"world\")\nEOF\n")));
        Assert.Equal(["<<'EOF' | python"], run.Command);
        Assert.True(run.IsShellForm);
        Assert.Equal([new Heredoc("EOF", "print(\"hello\")\nprint(\"world\")\n", Expand: false)], run.Heredocs);
        Assert.Equal((2, 5), (run.StartLine, run.EndLine));
    }

    [Fact]
    public void CopySeparatesHeredocSourcesFromPaths()
    {
        var copies = Instructions("""
            COPY /foo /bar
            COPY <<EOF foo.txt /bar
            this is inline
            EOF
            COPY <<-EOF /bar
            →TESTING
            EOF
            ADD <<'EOF' /bar
            TESTING
            EOF
            COPY ["<<EOF", "/json"]
            """).ToList();
        Assert.Equal(
            [
                "COPY 2-2 \"COPY /foo /bar\" Sources=[\"/foo\"] Destination=\"/bar\"",
                "COPY 3-5 \"COPY <<EOF foo.txt /bar\" Sources=[\"foo.txt\"] Heredocs=[{Name=\"EOF\" Content=\"this is inline\\n\" Expand=true}] Destination=\"/bar\"",
                "COPY 6-8 \"COPY <<-EOF /bar\" Heredocs=[{Name=\"EOF\" Content=\"TESTING\\n\" Expand=true Chomp=true}] Destination=\"/bar\"",
                "ADD 9-11 \"ADD <<'EOF' /bar\" Heredocs=[{Name=\"EOF\" Content=\"TESTING\\n\"}] Destination=\"/bar\"",
                // as in BuildKit, a JSON source that looks like a heredoc is an (empty) inline file
                "COPY 12-12 \"COPY [\\\"<<EOF\\\", \\\"/json\\\"]\" Heredocs=[{Name=\"EOF\" Content=\"\" Expand=true}] Destination=\"/json\"",
            ],
            copies.Select(ModelPrinter.Instruction));
    }

    [Fact]
    public void HeredocLinesAreNotLexed()
    {
        var run = Assert.IsType<RunInstruction>(Assert.Single(Instructions("RUN <<EOF\n# escape=`\n  \\\nFROM not an instruction\n\nEOF\n")));
        Assert.Equal("# escape=`\n  \\\nFROM not an instruction\n\n", run.Heredocs[0].Content);
    }

    [Theory]
    [InlineData("RUN <<EOF", new[] { "EOF" })]
    [InlineData("RUN <<-EOF", new[] { "EOF" })]
    [InlineData("RUN <<- EOF", new string[0])] // the line lexer splits "<<-" from "EOF" (BuildKit's own test of this passes vacuously)
    [InlineData("RUN << -EOF", new[] { "-EOF" })]
    [InlineData("RUN <<'EOF'", new[] { "EOF" })]
    [InlineData("RUN <<\"EOF\"", new[] { "EOF" })]
    [InlineData("RUN <<EO\"F\"", new[] { "EOF" })]
    [InlineData("RUN 4<<EOF", new[] { "EOF" })]
    [InlineData("RUN <<EOF <<EOF2", new[] { "EOF", "EOF2" })]
    [InlineData("RUN '<<EOF'", new string[0])]
    [InlineData("RUN \"<<EOF\"", new string[0])]
    [InlineData("RUN <<EOF'", new string[0])]
    [InlineData("RUN <<<EOF", new string[0])]
    [InlineData("RUN echo <EOF", new string[0])]
    [InlineData("RUN <<", new string[0])]
    [InlineData("RUN <<-", new string[0])]
    public void FindsTheHeredocsOfALine(string line, string[] names)
    {
        Assert.Equal(names, HeredocParser.FromLine(line).Select(h => h.Name));
    }

    [Theory]
    [InlineData("<<EOF", "EOF")]
    [InlineData("<<'EOF'", "EOF")]
    [InlineData("<<\"EOF\"", "EOF")]
    [InlineData("<<-EOF", "EOF")]
    [InlineData("<<-'EOF'", "EOF")]
    [InlineData("<<-\"EOF\"", "EOF")]
    [InlineData("<<EO\"F\"", "EOF")]
    [InlineData("<< EOF", "EOF")]
    [InlineData("<<- EOF", "EOF")]
    [InlineData("", null)]
    [InlineData("EOF", null)]
    [InlineData("<<", null)]
    [InlineData("<<-", null)]
    [InlineData("<EOF", null)]
    [InlineData("<<<EOF", null)]
    [InlineData("<<EOF sh", null)]
    public void ParsesAHeredocWord(string word, string? name)
    {
        // BuildKit's TestParseHeredocHelpers
        Assert.Equal(name, HeredocParser.Parse(word)?.Name);
    }

    [Theory]
    [InlineData("<<'EOF")]
    [InlineData("<<\"EOF")]
    [InlineData("<<EOF'")]
    [InlineData("<<EOF\"")]
    public void AnUnterminatedQuoteInAHeredocWordIsAnError(string word)
    {
        Assert.Throws<SyntaxError>(() => HeredocParser.Parse(word));
    }

    [Fact]
    public void OnbuildTriggersCanHaveHeredocs()
    {
        var onbuild = Assert.IsType<OnbuildInstruction>(Assert.Single(Instructions("ONBUILD COPY <<-EOF /x\n→one\n→EOF\n")));
        Assert.Equal([new Heredoc("EOF", "one\n", Expand: true, Chomp: true)], Heredocs(onbuild));
        Assert.Equal("COPY <<-EOF /x\n\tone\nEOF", onbuild.Expression); // the body as written, as the image config keeps it
    }
}
