namespace Quai.Build.Tests;

using Quai.Build.Syntax;

/// <summary>Comments, continuations, escapes, directives and line numbers, mostly BuildKit's parser testfiles.</summary>
public sealed class LexingTests
{
    private static List<string> Printed(string dockerfile) =>
        DockerfileParser.Parse(dockerfile).Stages.SelectMany(s => s.Instructions.Prepend(s.From)).Select(ModelPrinter.Instruction).ToList();

    private static List<string> RunCommands(string dockerfile) =>
        DockerfileParser.Parse(dockerfile).Stages.SelectMany(s => s.Instructions).OfType<RunInstruction>().Select(r => r.Command[0]).ToList();

    [Fact]
    public void ContinuationLinesJoinSkippingCommentsAndEmptyLines()
    {
        // BuildKit's testfiles/continueIndent
        string dockerfile = """
            FROM ubuntu:14.04

            RUN echo hello\
              world\
              goodnight  \
              moon\
              light\
            ning
            RUN echo hello  \
              world
            RUN echo hello  \
            world
            RUN echo hello \
            goodbye\
            frog
            RUN echo hello  \  
            world
            RUN echo hi \
             \
             world \
            \
             good\
            \
            night
            RUN echo goodbye\
            frog
            RUN echo good\
            bye\
            frog

            RUN echo hello \
            # this is a comment

            # this is a comment with a blank line surrounding it

            this is some more useful stuff
            """;
        Assert.Equal(
            [
                "echo hello  world  goodnight    moon  lightning",
                "echo hello    world",
                "echo hello  world",
                "echo hello goodbyefrog",
                "echo hello  world",
                "echo hi   world  goodnight",
                "echo goodbyefrog",
                "echo goodbyefrog",
                "echo hello this is some more useful stuff",
            ],
            RunCommands(dockerfile));
    }

    [Fact]
    public void EscapeCharactersStayInArgumentsAndOnlyATrailingOneContinues()
    {
        // BuildKit's testfiles/escapes and trailing-backslash
        string dockerfile = """
            FROM ubuntu:14.04
            LABEL maintainer Erik \\Hollensbe <erik@hollensbe.org>\"

            RUN apt-get \update && \
              apt-get \"install znc -y
            ADD \conf\\" /.znc

            RUN foo \

            bar \

            baz

            CMD [ "\/usr\\\"/bin/znc", "-f", "-r" ]
            ENV B another\\path
            ENV C trailing\\backslash\\
            ENV D This should not be appended to C
            ENV E hello\
            \
            world
            ENV F hello\
             \
            world
            """;
        Assert.Equal(
            [
                "FROM 1-1 \"FROM ubuntu:14.04\" Image=\"ubuntu:14.04\"",
                "LABEL 2-2 \"LABEL maintainer Erik \\\\\\\\Hollensbe <erik@hollensbe.org>\\\\\\\"\" Labels=[{Key=\"maintainer\" Value=\"Erik \\\\\\\\Hollensbe <erik@hollensbe.org>\\\\\\\"\" LegacySyntax=true}]",
                "RUN 4-5 \"RUN apt-get \\\\update &&   apt-get \\\\\\\"install znc -y\" Command=[\"apt-get \\\\update &&   apt-get \\\\\\\"install znc -y\"] IsShellForm=true",
                "ADD 6-6 \"ADD \\\\conf\\\\\\\\\\\" /.znc\" Sources=[\"\\\\conf\\\\\\\\\\\"\"] Destination=\"/.znc\"",
                "RUN 8-12 \"RUN foo bar baz\" Command=[\"foo bar baz\"] IsShellForm=true",
                "CMD 14-14 \"CMD [ \\\"\\\\/usr\\\\\\\\\\\\\\\"/bin/znc\\\", \\\"-f\\\", \\\"-r\\\" ]\" Command=[\"/usr\\\\\\\"/bin/znc\", \"-f\", \"-r\"]",
                "ENV 15-15 \"ENV B another\\\\\\\\path\" Variables=[{Key=\"B\" Value=\"another\\\\\\\\path\" LegacySyntax=true}]",
                "ENV 16-16 \"ENV C trailing\\\\\\\\backslash\\\\\\\\\" Variables=[{Key=\"C\" Value=\"trailing\\\\\\\\backslash\\\\\\\\\" LegacySyntax=true}]",
                "ENV 17-17 \"ENV D This should not be appended to C\" Variables=[{Key=\"D\" Value=\"This should not be appended to C\" LegacySyntax=true}]",
                "ENV 18-20 \"ENV E helloworld\" Variables=[{Key=\"E\" Value=\"helloworld\" LegacySyntax=true}]",
                "ENV 21-23 \"ENV F hello world\" Variables=[{Key=\"F\" Value=\"hello world\" LegacySyntax=true}]",
            ],
            Printed(dockerfile));
    }

    [Fact]
    public void ContinuationAtTheEndOfTheFileEndsTheInstruction()
    {
        Assert.Equal(["something"], RunCommands("FROM alpine:3.5\n\nRUN something \\")); // testfiles/continue-at-eof
    }

    [Theory]
    [InlineData("#escape = `\n\nFROM image\nLABEL maintainer foo@bar.com\nENV GOPATH `\n\\go")] // testfiles/escape
    [InlineData("# escape = `\n# There is no white space line after the directives.\nFROM image\nLABEL maintainer foo@bar.com\nENV GOPATH `\n\\go\n")] // escape-nonewline
    [InlineData("   # EScape=`\nFROM image\nLABEL maintainer foo@bar.com\nENV GOPATH `\n\\go\n")]
    [InlineData("\uFEFF# escape=`\nFROM image\nLABEL maintainer foo@bar.com\nENV GOPATH `\n\\go\n")]
    public void EscapeDirectiveMakesBacktickTheContinuationCharacter(string dockerfile)
    {
        var parsed = DockerfileParser.Parse(dockerfile);
        Assert.Equal('`', parsed.EscapeToken);
        Assert.Equal(new ParserDirective("escape", "`", 1), Assert.Single(parsed.Directives));
        var env = Assert.IsType<EnvInstruction>(parsed.Stages[0].Instructions[1]);
        Assert.Equal(new KeyValue("GOPATH", "\\go", true), Assert.Single(env.Variables));
    }

    [Theory]
    [InlineData("# Comment here. Should not be looking for the following parser directive.\n# escape = `\n\nFROM image\nENV GOPATH \\\n\\go")] // escape-after-comment
    [InlineData("\n# escape = `\nFROM image\nENV GOPATH \\\n\\go")]
    [InlineData("# unknown=directive\n# escape = `\nFROM image\nENV GOPATH \\\n\\go")]
    [InlineData("#!/bin/sh\n# escape = `\nFROM image\nENV GOPATH \\\n\\go")]
    [InlineData("FROM image\n# escape = `\nENV GOPATH \\\n\\go")]
    public void DirectivesAreOnlyRecognisedBeforeAnythingElse(string dockerfile)
    {
        var parsed = DockerfileParser.Parse(dockerfile);
        Assert.Empty(parsed.Directives);
        Assert.Equal('\\', parsed.EscapeToken);
        var env = Assert.IsType<EnvInstruction>(Assert.Single(parsed.Stages[0].Instructions));
        Assert.Equal(new KeyValue("GOPATH", "\\go", true), Assert.Single(env.Variables));
    }

    [Fact]
    public void AllThreeDirectivesWithAnyCaseAndBlanks()
    {
        var parsed = DockerfileParser.Parse("# syntax = docker/dockerfile:1 // opts  \n#CHECK=skip=all;error=true\n# Escape =`\n\n# syntax=ignored\nFROM `\n    image\n");
        Assert.Equal(
            [
                new ParserDirective("syntax", "docker/dockerfile:1 // opts", 1),
                new ParserDirective("check", "skip=all;error=true", 2),
                new ParserDirective("escape", "`", 3),
            ],
            parsed.Directives);
        Assert.Equal("docker/dockerfile:1 // opts", parsed.Syntax);
        Assert.Equal("skip=all;error=true", parsed.Check);
        Assert.Equal("image", parsed.Stages[0].From.Image); // testfiles/escape-with-syntax
        Assert.Equal(6, parsed.Stages[0].From.StartLine);
        Assert.Equal(7, parsed.Stages[0].From.EndLine);
    }

    [Fact]
    public void LineNumbersCountEverySkippedLine()
    {
        // BuildKit's testfile-line/Dockerfile: children at 5-5, 11-12 and 17-31
        string dockerfile = """
            # ESCAPE=\



            FROM brimstone/ubuntu:14.04


            # TORUN -v /var/run/docker.sock:/var/run/docker.sock


            ENV GOPATH \
            /go



            # Install the packages we need, clean up after them and us
            RUN apt-get update \
            →&& dpkg -l | awk '/^ii/ {print $2}' > /tmp/dpkg.clean \


                && apt-get --no-install-recommends install -y git golang ca-certificates \
                && apt-get clean \
                && rm -rf /var/lib/apt/lists \

            →&& go get -v github.com/brimstone/consuldock \
                && mv $GOPATH/bin/consuldock /usr/local/bin/consuldock \

            →&& dpkg -l | awk '/^ii/ {print $2}' > /tmp/dpkg.dirty \
            →&& apt-get remove --purge -y $(diff /tmp/dpkg.clean /tmp/dpkg.dirty | awk '/^>/ {print $2}') \
            →&& rm /tmp/dpkg.* \
            →&& rm -rf $GOPATH




            """.Replace('→', '\t');
        var stage = DockerfileParser.Parse(dockerfile).Stages[0];
        Assert.Equal((5, 5), (stage.From.StartLine, stage.From.EndLine));
        Assert.Equal([(11, 12), (17, 31)], stage.Instructions.Select(i => (i.StartLine, i.EndLine)));
    }

    [Fact]
    public void CommentsAreWholeLinesOnly()
    {
        var stage = DockerfileParser.Parse("FROM a\n  # indented comment\nRUN echo foo # not a comment \\\n  # a comment inside the continuation\n\t#another\n  bar\n").Stages[0];
        var run = Assert.IsType<RunInstruction>(Assert.Single(stage.Instructions));
        Assert.Equal(["echo foo # not a comment   bar"], run.Command);
        Assert.Equal((3, 6), (run.StartLine, run.EndLine));
    }

    [Fact]
    public void AnEscapedEscapeAtTheEndDoesNotContinue()
    {
        Assert.Equal(["echo a\\\\", "echo b"], RunCommands("FROM a\nRUN echo a\\\\\nRUN echo b"));
        Assert.Equal(["echo a ``", "echo b"], RunCommands("# escape=`\nFROM a\nRUN echo a ``\nRUN echo b"));
        Assert.Equal(["echo a \\", "echo b"], RunCommands("# escape=`\nFROM a\nRUN echo a \\\nRUN echo b"));
        Assert.Equal(["echo a ``  b"], RunCommands("# escape=`\nFROM a\nRUN echo a `` `\n b"));
    }

    [Fact]
    public void KeywordsAreCaseInsensitiveAndLeadingBlanksIgnored()
    {
        Assert.Equal(
            ["FROM 1-1 \"from alpine as Builder\" Image=\"alpine\" StageName=\"builder\"", "RUN 2-2 \"Run make\" Command=[\"make\"] IsShellForm=true", "WORKDIR 3-3 \"wOrKdIr /x\" Path=\"/x\""],
            Printed("from alpine as Builder\n   Run make\n\t wOrKdIr /x"));
    }

    [Fact]
    public void BlanksSeparateTheKeywordAndMayBeTabs()
    {
        // BuildKit's testfiles/ADD-COPY-with-JSON
        string dockerfile = "FROM\tubuntu:14.04\nCOPY\t.\t/go/src/github.com/docker/docker\nADD\t\t.\t/\nADD\t\tnull /\nADD\t\t[ \"vimrc\", \"/tmp\" ]\nCOPY\t[ \"test file\", \"/tmp\" ]\nADD\t\t[ \"test file\", \"/tmp/test file\" ]";
        Assert.Equal(
            [
                "FROM 1-1 \"FROM\\tubuntu:14.04\" Image=\"ubuntu:14.04\"",
                "COPY 2-2 \"COPY\\t.\\t/go/src/github.com/docker/docker\" Sources=[\".\"] Destination=\"/go/src/github.com/docker/docker\"",
                "ADD 3-3 \"ADD\\t\\t.\\t/\" Sources=[\".\"] Destination=\"/\"",
                "ADD 4-4 \"ADD\\t\\tnull /\" Sources=[\"null\"] Destination=\"/\"",
                "ADD 5-5 \"ADD\\t\\t[ \\\"vimrc\\\", \\\"/tmp\\\" ]\" Sources=[\"vimrc\"] Destination=\"/tmp\"",
                "COPY 6-6 \"COPY\\t[ \\\"test file\\\", \\\"/tmp\\\" ]\" Sources=[\"test file\"] Destination=\"/tmp\"",
                "ADD 7-7 \"ADD\\t\\t[ \\\"test file\\\", \\\"/tmp/test file\\\" ]\" Sources=[\"test file\"] Destination=\"/tmp/test file\"",
            ],
            Printed(dockerfile));
    }

    [Fact]
    public void JsonArraysDecodeEscapesAndUnicode()
    {
        // BuildKit's testfiles/json
        string dockerfile = "FROM a\nCMD []\nCMD [\"\"]\nCMD [ \"a\", \"b\" ]\nCMD\t[\t\"a\",\t\"b\"\t]\t\nCMD [\"abc 123\", \"♥\", \"☃\", \"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0000\"]";
        var commands = DockerfileParser.Parse(dockerfile).Stages[0].Instructions.Cast<CmdInstruction>().ToList();
        Assert.All(commands, c => Assert.False(c.IsShellForm));
        Assert.Equal<string[]>(
            [[], [""], ["a", "b"], ["a", "b"], ["abc 123", "♥", "☃", "\" \\ / \b \f \n \r \t \0"]],
            commands.Select(c => c.Command.ToArray()));
    }
}
