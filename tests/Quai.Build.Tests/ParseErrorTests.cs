namespace Quai.Build.Tests;

using Quai.Build.Syntax;

/// <summary>Every error the parser reports, with its full message (file, line, BuildKit's wording).</summary>
public sealed class ParseErrorTests
{
    public static TheoryData<string, string> Errors => new()
    {
        // instructions and stages
        { "FROM a\nRUN x\nFROBNICATE y", "Dockerfile:3: unknown instruction: FROBNICATE" },
        { "FROM a\nfoo bar", "Dockerfile:2: unknown instruction: foo (did you mean from?)" },
        { "FROM a\nCOPPY x y", "Dockerfile:2: unknown instruction: COPPY (did you mean COPY?)" },
        { "from a\nworkdri /x", "Dockerfile:2: unknown instruction: workdri (did you mean workdir?)" },
        { "ARG a\nRUN echo\nFROM x", "Dockerfile:2: no build stage in current context" },
        { "ONBUILD RUN x\nFROM a", "Dockerfile:1: no build stage in current context" },
        { "FROM\n", "Dockerfile:1: FROM requires either one or three arguments" },
        { "FROM --platform=linux/amd64", "Dockerfile:1: FROM requires either one or three arguments" },
        { "FROM a AS", "Dockerfile:1: FROM requires either one or three arguments" },
        { "FROM a IS b", "Dockerfile:1: FROM requires either one or three arguments" },
        { "FROM alpine AS 1st", "Dockerfile:1: invalid name for build stage: \"1st\", name can't start with a number or contain symbols" },
        { "FROM alpine AS My$Stage", "Dockerfile:1: invalid name for build stage: \"My$Stage\", name can't start with a number or contain symbols" },
        { "FROM a AS b\nFROM c AS B", "Dockerfile:2: Duplicate stage name \"b\", stage names should be unique" },
        { "", "Dockerfile:1: the Dockerfile cannot be empty" },
        { "# Hello\n# These are just comments\n\n", "Dockerfile:3: file with no instructions" },
        { "\uFEFF", "Dockerfile:1: file with no instructions" },
        { "ARG a\nARG b=1\n", "Dockerfile:2: dockerfile contains no stages to build" },

        // heredocs
        { "FROM a\nRUN <<EOF\necho hi\n", "Dockerfile:2: unterminated heredoc" },
        { "FROM a\nCOPY <<A <<B /x\na\nA\nb\n", "Dockerfile:2: unterminated heredoc" },
        { "FROM a\nCOPY /foo <<EOF\nEOF", "Dockerfile:2: COPY cannot accept a heredoc as a destination" },
        { "FROM a\nADD x <<EOF\nEOF", "Dockerfile:2: ADD cannot accept a heredoc as a destination" },

        // JSON arrays: a valid array of non-strings is an error (anything else that is not JSON is shell form)
        { "FROM a\nCMD [\"a\", 42]", "Dockerfile:2: when using JSON array syntax, arrays must be comprised of strings only" },
        { "FROM a\nCMD [ \"echo\", [ \"nested json\" ] ]", "Dockerfile:2: when using JSON array syntax, arrays must be comprised of strings only" },
        { "FROM a\nCOPY [\"a\", null]", "Dockerfile:2: when using JSON array syntax, arrays must be comprised of strings only" },
        { "FROM a\nRUN [\"a\", {\"b\": \"c\"}]", "Dockerfile:2: when using JSON array syntax, arrays must be comprised of strings only" },

        // arguments
        { "FROM a\nWORKDIR", "Dockerfile:2: WORKDIR requires exactly one argument" },
        { "FROM a\nUSER", "Dockerfile:2: USER requires exactly one argument" },
        { "FROM a\nSTOPSIGNAL", "Dockerfile:2: STOPSIGNAL requires exactly one argument" },
        { "FROM a\nMAINTAINER", "Dockerfile:2: MAINTAINER requires exactly one argument" },
        { "FROM a\nENV", "Dockerfile:2: ENV requires at least one argument" },
        { "FROM a\nLABEL", "Dockerfile:2: LABEL requires at least one argument" },
        { "FROM a\nEXPOSE", "Dockerfile:2: EXPOSE requires at least one argument" },
        { "FROM a\nVOLUME", "Dockerfile:2: VOLUME requires at least one argument" },
        { "FROM a\nARG", "Dockerfile:2: ARG requires at least one argument" },
        { "FROM a\nONBUILD", "Dockerfile:2: ONBUILD requires at least one argument" },
        { "FROM a\nHEALTHCHECK", "Dockerfile:2: HEALTHCHECK requires at least one argument" },
        { "FROM a\nCOPY x", "Dockerfile:2: COPY requires at least two arguments, but only one was provided. Destination could not be determined" },
        { "FROM a\nCOPY\t\n\t\tquux \\\n      ", "Dockerfile:2: COPY requires at least two arguments, but only one was provided. Destination could not be determined" },
        { "FROM a\nADD", "Dockerfile:2: ADD requires at least two arguments, but only one was provided. Destination could not be determined" },
        { "FROM busybox\n\nENV PATH", "Dockerfile:3: ENV must have two arguments" },
        { "FROM a\nLABEL version", "Dockerfile:2: LABEL must have two arguments" },
        { "FROM a\nENV a=b c", "Dockerfile:2: Syntax error - can't find = in \"c\". Must be of the form: name=value" },
        { "FROM a\nENV =x", "Dockerfile:2: ENV names can not be blank" },
        { "FROM a\nLABEL =x", "Dockerfile:2: LABEL names can not be blank" },
        { "FROM a\nARG =x", "Dockerfile:2: ARG names can not be blank" },
        { "FROM a\nVOLUME [\"/a\", \" \"]", "Dockerfile:2: VOLUME specified can not be an empty string" },
        { "FROM a\nSHELL /bin/bash -c", "Dockerfile:2: SHELL requires the arguments to be in JSON form" },
        { "FROM a\nSHELL [\"sh\", \"-c\"", "Dockerfile:2: SHELL requires the arguments to be in JSON form" },
        { "FROM a\nSHELL []", "Dockerfile:2: SHELL requires at least one argument" },
        { "FROM a\nONBUILD ONBUILD RUN touch foobar", "Dockerfile:2: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed" },
        { "FROM a\nONBUILD FROM scratch", "Dockerfile:2: FROM isn't allowed as an ONBUILD trigger" },
        { "FROM a\nonbuild maintainer me", "Dockerfile:2: MAINTAINER isn't allowed as an ONBUILD trigger" },
        { "FROM a\nONBUILD WORKDIR", "Dockerfile:2: WORKDIR requires exactly one argument" },

        // flags
        { "FROM a\nCOPY --foo x y", "Dockerfile:2: unknown flag: --foo (did you mean from?)" },
        { "FROM a\nCOPY --bogus x y", "Dockerfile:2: unknown flag: --bogus" },
        { "FROM a\nCOPY --user=me foo /tmp/", "Dockerfile:2: unknown flag: --user" },
        { "FROM a\nCOPY --chmown=1 x y", "Dockerfile:2: unknown flag: --chmown (did you mean chown?)" },
        { "FROM a\nADD --keep-git=true x y", "Dockerfile:2: unknown flag: --keep-git" },
        { "FROM a\nADD --keep-git-dr=true x y", "Dockerfile:2: unknown flag: --keep-git-dr (did you mean keep-git-dir?)" },
        { "FROM --plataform=linux/arm64 alpine", "Dockerfile:1: unknown flag: --plataform (did you mean platform?)" },
        { "FROM a\nMAINTAINER --boo joe@example.com", "Dockerfile:2: unknown flag: --boo" },
        { "FROM a\nCMD --doit [ \"a\", \"b\" ]", "Dockerfile:2: unknown flag: --doit" },
        { "FROM a\nENV --x=1 a=b", "Dockerfile:2: unknown flag: --x" },
        { "FROM a\nONBUILD --foo RUN x", "Dockerfile:2: unknown flag: --foo" },
        { "FROM a\nONBUILD RUN --foo x", "Dockerfile:2: unknown flag: --foo" },
        { "FROM a\nCOPY --link=maybe a b", "Dockerfile:2: expecting boolean value for flag --link, not: maybe" },
        { "FROM a\nCOPY --link= a b", "Dockerfile:2: missing a value on flag: --link" },
        { "FROM a\nCOPY --from a b", "Dockerfile:2: missing a value on flag: --from" },
        { "FROM a\nCOPY --exclude a b", "Dockerfile:2: missing a value on flag: --exclude" },
        { "FROM a\nCOPY --from=a --from=b x y", "Dockerfile:2: duplicate flag specified: --from" },
        { "FROM a\nRUN --network=bridge make", "Dockerfile:2: invalid network mode \"bridge\"" },
        { "FROM a\nRUN --security=root make", "Dockerfile:2: security \"root\" is not valid" },
        { "FROM a\nRUN --mount=type=cahce,target=/x make", "Dockerfile:2: unsupported mount type \"cahce\" (did you mean cache?)" },
        { "FROM a\nRUN --mount=type=cache,tagret=/x make", "Dockerfile:2: unexpected key 'tagret' in 'tagret=/x' (did you mean target?)" },
        { "FROM a\nRUN --mount=type=cache,target make", "Dockerfile:2: invalid field 'target' must be a key=value pair" },
        { "FROM a\nRUN --mount=type=bind,mode=0700,target=/x make", "Dockerfile:2: mode not allowed for \"bind\" type mounts" },
        { "FROM a\nRUN --mount=type=tmpfs,uid=1,target=/x make", "Dockerfile:2: uid not allowed for \"tmpfs\" type mounts" },
        { "FROM a\nRUN --mount=type=secret make", "Dockerfile:2: invalid secret mount. one of source, target required" },
        { "FROM a\nRUN --mount=type=secret,id=a,source=b make", "Dockerfile:2: both source and id can't be set" },
        { "FROM a\nRUN --mount=type=secret,id=a,from=b make", "Dockerfile:2: secret mount should not have a from" },
        { "FROM a\nRUN --mount=type=bind,sharing=locked make", "Dockerfile:2: invalid cache sharing set for bind mount" },
        { "FROM a\nRUN --mount=type=cache,sharing=weird,target=/x make", "Dockerfile:2: unsupported sharing value \"weird\"" },
        { "FROM a\nRUN --mount=type=cache,sharing=lockd,target=/x make", "Dockerfile:2: unsupported sharing value \"lockd\" (did you mean locked?)" },
        { "FROM a\nRUN --mount=type=tmpfs,size=big,target=/x make", "Dockerfile:2: invalid value for size: big" },
        { "FROM a\nRUN --mount=type=bind,size=1m make", "Dockerfile:2: unexpected key 'size' for mount type 'bind'" },
        { "FROM a\nRUN --mount=type=cache,required,target=/x make", "Dockerfile:2: unexpected key 'required' for mount type 'cache'" },
        { "FROM a\nRUN --mount=type=cache,uid=-1,target=/x make", "Dockerfile:2: invalid value -1 for uid" },
        { "FROM a\nRUN --mount=type=cache,mode=0800,target=/x make", "Dockerfile:2: invalid value 0800 for mode" },
        { "FROM a\nRUN --mount=type=bind,ro=maybe make", "Dockerfile:2: invalid value for ro: maybe" },
        { "FROM a\nRUN --mount=type=bind,from=$STAGE make", "Dockerfile:2: 'from' doesn't support variable expansion, define alias stage instead" },
        { "FROM a\nRUN --mount=type=cache,target=\\\"/x make", "Dockerfile:2: failed to parse csv mounts: parse error on line 1, column 19: bare \" in non-quoted-field" },
        { "FROM a\nRUN --mount= make", "Dockerfile:2: failed to parse csv mounts: EOF" },
        { "FROM a\nRUN --device=a,b make", "Dockerfile:2: invalid field 'b' must be a key=value pair" },
        { "FROM a\nRUN --device=name=a,name=b make", "Dockerfile:2: device name already set to a" },

        // HEALTHCHECK
        { "FROM a\nHEALTHCHECK --interval=5 CMD true", "Dockerfile:2: time: missing unit in duration \"5\"" },
        { "FROM a\nHEALTHCHECK --timeout=5x CMD true", "Dockerfile:2: time: unknown unit \"x\" in duration \"5x\"" },
        { "FROM a\nHEALTHCHECK --interval=abc CMD true", "Dockerfile:2: time: invalid duration \"abc\"" },
        { "FROM a\nHEALTHCHECK --interval=500us CMD true", "Dockerfile:2: Interval \"interval\" cannot be less than 1ms" },
        { "FROM a\nHEALTHCHECK --start-period=-1s CMD true", "Dockerfile:2: Interval \"start-period\" cannot be less than 1ms" },
        { "FROM a\nHEALTHCHECK --retries=-1 CMD true", "Dockerfile:2: --retries cannot be negative (-1)" },
        { "FROM a\nHEALTHCHECK --retries=x CMD true", "Dockerfile:2: strconv.ParseInt: parsing \"x\": invalid syntax" },
        { "FROM a\nHEALTHCHECK --retries=3000000000 CMD true", "Dockerfile:2: strconv.ParseInt: parsing \"3000000000\": value out of range" },
        { "FROM a\nHEALTHCHECK --intervall=5s CMD true", "Dockerfile:2: unknown flag: --intervall (did you mean interval?)" },
        { "FROM a\nHEALTHCHECK NONE x", "Dockerfile:2: HEALTHCHECK NONE takes no arguments" },
        { "FROM a\nHEALTHCHECK CMD", "Dockerfile:2: Missing command after HEALTHCHECK CMD" },
        { "FROM a\nHEALTHCHECK CMD []", "Dockerfile:2: Missing command after HEALTHCHECK CMD" },
        { "FROM a\nHEALTHCHECK CONNECT TCP 7000", "Dockerfile:2: Unknown type \"CONNECT\" in HEALTHCHECK (try CMD)" },

        // parser directives
        { "# escape=x\nFROM a", "Dockerfile:1: invalid escape token 'x' does not match ` or \\" },
        { "# escape=   \nFROM a", "Dockerfile:1: invalid escape token ' ' does not match ` or \\" },
        { "# escape=`\n# ESCAPE=\\\nFROM a", "Dockerfile:2: only one escape parser directive can be used" },
        { "# syntax=a\n#Syntax = b\nFROM a", "Dockerfile:2: only one syntax parser directive can be used" },

        // where the error is reported
        { "FROM a\nRUN --network=bogus \\\n  echo \\\n  done", "Dockerfile:2: invalid network mode \"bogus\"" },
        { "FROBNICATE\nENV PATH", "Dockerfile:2: ENV must have two arguments" }, // lexing errors come before instruction errors
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void ReportsTheErrorAtItsLine(string dockerfile, string message)
    {
        var e = Assert.Throws<DockerfileParseException>(() => DockerfileParser.Parse(dockerfile));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void TheExceptionNamesTheFileTheLineAndTheDetail()
    {
        var e = Assert.Throws<DockerfileParseException>(() => DockerfileParser.Parse("FROM a\n\nWORKDIR\n", "build/app.Dockerfile"));
        Assert.Equal("build/app.Dockerfile:3: WORKDIR requires exactly one argument", e.Message);
        Assert.Equal("build/app.Dockerfile", e.File);
        Assert.Equal(3, e.Line);
        Assert.Equal("WORKDIR requires exactly one argument", e.Detail);
    }

    [Theory]
    [InlineData("CMD ['echo','single quotes are invalid JSON']")]
    [InlineData("CMD [\"echo\", \"Please, close the brackets when you're done\"")]
    [InlineData("CMD [\"echo\", \"look ma, no quote!]")]
    [InlineData("CMD \"[\\\"echo\\\", \\\"Phew, I just managed to escaped those double quotes\\\"]\"")]
    [InlineData("CMD '[\"echo\", \"Well, JSON in a string is JSON too?\"]'")]
    [InlineData("CMD [\"a\",] ")]
    [InlineData("CMD [\"a\"] x")]
    public void MalformedJsonIsShellFormNotAnError(string cmd)
    {
        // BuildKit's jeztah-invalid-json-* parser testfiles
        var instruction = Assert.IsType<CmdInstruction>(Assert.Single(DockerfileParser.Parse("FROM a\n" + cmd).Stages[0].Instructions));
        Assert.True(instruction.IsShellForm);
        Assert.Equal([cmd[4..].Trim()], instruction.Command);
    }
}
