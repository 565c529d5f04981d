namespace Quai.Build.Tests;

using Quai.Build.Syntax;

/// <summary>The typed arguments and flags of each instruction.</summary>
public sealed class InstructionTests
{
    private static T Single<T>(string instruction) where T : Instruction =>
        Assert.IsType<T>(Assert.Single(DockerfileParser.Parse("FROM a\n" + instruction).Stages[0].Instructions));

    private static string Printed(string instruction) =>
        ModelPrinter.Instruction(Assert.Single(DockerfileParser.Parse("FROM a\n" + instruction).Stages[0].Instructions));

    [Theory]
    [InlineData("FROM alpine", "alpine", null, null)]
    [InlineData("FROM --platform=linux/arm64 alpine:3 AS Build-1.x_y", "alpine:3", "linux/arm64", "build-1.x_y")]
    [InlineData("from ${BASE:-debian} as base", "${BASE:-debian}", null, "base")]
    [InlineData("FROM --platform= scratch", "scratch", null, null)]
    public void From(string line, string image, string? platform, string? name)
    {
        var stage = Assert.Single(DockerfileParser.Parse(line).Stages);
        Assert.Equal((image, platform, name), (stage.From.Image, stage.From.Platform, stage.From.StageName));
        Assert.Equal(name, stage.Name);
        Assert.Equal(0, stage.Index);
    }

    [Fact]
    public void StagesAreIndexedInOrder()
    {
        var parsed = DockerfileParser.Parse("ARG A\nFROM a AS one\nARG B\nFROM b\nFROM c AS three\nRUN x");
        Assert.Equal([(0, "one"), (1, null), (2, "three")], parsed.Stages.Select(s => (s.Index, s.Name)));
        Assert.Equal(["A"], parsed.GlobalArgs.SelectMany(a => a.Args).Select(a => a.Name));
        Assert.IsType<ArgInstruction>(Assert.Single(parsed.Stages[0].Instructions));
        Assert.Empty(parsed.Stages[1].Instructions);
    }

    [Theory]
    [InlineData("RUN", "RUN 2-2 \"RUN\" IsShellForm=true")]
    [InlineData("RUN []", "RUN 2-2 \"RUN []\"")]
    [InlineData("RUN [ \"sh\", \"-c\", \"echo $HOME\" ]", "RUN 2-2 \"RUN [ \\\"sh\\\", \\\"-c\\\", \\\"echo $HOME\\\" ]\" Command=[\"sh\", \"-c\", \"echo $HOME\"]")]
    [InlineData("RUN [ -f /etc/os-release ] && cat /etc/os-release", "RUN 2-2 \"RUN [ -f /etc/os-release ] && cat /etc/os-release\" Command=[\"[ -f /etc/os-release ] && cat /etc/os-release\"] IsShellForm=true")]
    [InlineData("RUN --network=none --security=insecure make", "RUN 2-2 \"RUN --network=none --security=insecure make\" Command=[\"make\"] IsShellForm=true Network=None Security=Insecure")]
    [InlineData("RUN --network=host -x", "RUN 2-2 \"RUN --network=host -x\" Command=[\"-x\"] IsShellForm=true Network=Host")]
    [InlineData("RUN --network=default -- --not-a-flag", "RUN 2-2 \"RUN --network=default -- --not-a-flag\" Command=[\"--not-a-flag\"] IsShellForm=true")]
    [InlineData("RUN --device=vendor.com/gpu=all,required --device=name=x,required=false nvidia-smi", "RUN 2-2 \"RUN --device=vendor.com/gpu=all,required --device=name=x,required=false nvidia-smi\" Command=[\"nvidia-smi\"] IsShellForm=true Devices=[{Name=\"vendor.com/gpu=all\" Required=true}, {Name=\"x\"}]")]
    [InlineData("RUN \"--mount=type=cache,target=/a b\" make", "RUN 2-2 \"RUN \\\"--mount=type=cache,target=/a b\\\" make\" Command=[\"\\\"--mount=type=cache,target=/a b\\\" make\"] IsShellForm=true")]
    [InlineData("RUN --mount=\"type=cache,target=/a b\" make", "RUN 2-2 \"RUN --mount=\\\"type=cache,target=/a b\\\" make\" Command=[\"make\"] IsShellForm=true Mounts=[{Spec=\"type=cache,target=/a b\" Type=Cache Target=\"/a b\"}]")]
    public void Run(string line, string expected) => Assert.Equal(expected, Printed(line));

    [Theory]
    [InlineData("type=cache,target=/root/.cache", "{Spec=\"type=cache,target=/root/.cache\" Type=Cache Target=\"/root/.cache\"}")]
    [InlineData("type=cache,id=apt,dst=/var/cache/apt,sharing=private,uid=1000,gid=1000,mode=0755,from=base,source=/seed", "{Spec=\"type=cache,id=apt,dst=/var/cache/apt,sharing=private,uid=1000,gid=1000,mode=0755,from=base,source=/seed\" Type=Cache From=\"base\" Source=\"/seed\" Target=\"/var/cache/apt\" Id=\"apt\" Sharing=Private Mode=493 Uid=1000 Gid=1000}")]
    [InlineData("TYPE=Cache,Target=/x,RO", "{Spec=\"TYPE=Cache,Target=/x,RO\" Type=Cache Target=\"/x\" ReadOnly=true}")]
    [InlineData("type=bind,source=.,target=/src", "{Spec=\"type=bind,source=.,target=/src\" Source=\".\" Target=\"/src\" ReadOnly=true}")]
    [InlineData("target=/src,from=build,src=/out,readwrite", "{Spec=\"target=/src,from=build,src=/out,readwrite\" From=\"build\" Source=\"/out\" Target=\"/src\"}")]
    [InlineData("type=bind,target=/src,readonly=false", "{Spec=\"type=bind,target=/src,readonly=false\" Target=\"/src\"}")]
    [InlineData("type=bind,target=/src,rw=0", "{Spec=\"type=bind,target=/src,rw=0\" Target=\"/src\" ReadOnly=true}")]
    [InlineData("type=tmpfs,destination=/tmp,size=64m", "{Spec=\"type=tmpfs,destination=/tmp,size=64m\" Type=Tmpfs Target=\"/tmp\" SizeLimit=67108864}")]
    [InlineData("type=tmpfs,target=/tmp,size=1.5GiB", "{Spec=\"type=tmpfs,target=/tmp,size=1.5GiB\" Type=Tmpfs Target=\"/tmp\" SizeLimit=1610612736}")]
    [InlineData("type=tmpfs,target=/tmp,size=100", "{Spec=\"type=tmpfs,target=/tmp,size=100\" Type=Tmpfs Target=\"/tmp\" SizeLimit=100}")]
    [InlineData("type=secret,id=aws,target=/root/.aws/credentials,required,mode=0400", "{Spec=\"type=secret,id=aws,target=/root/.aws/credentials,required,mode=0400\" Type=Secret Target=\"/root/.aws/credentials\" ReadOnly=true Id=\"aws\" Required=true Mode=256}")]
    [InlineData("type=secret,id=token,env=", "{Spec=\"type=secret,id=token,env=\" Type=Secret ReadOnly=true Id=\"token\" Env=\"\"}")]
    [InlineData("type=ssh,required=true", "{Spec=\"type=ssh,required=true\" Type=Ssh ReadOnly=true Required=true}")]
    [InlineData("type=ssh,id=default,uid=0", "{Spec=\"type=ssh,id=default,uid=0\" Type=Ssh ReadOnly=true Id=\"default\" Uid=0}")]
    [InlineData("type=cache,target=$CACHE_DIR,id=${ID},uid=$UID", "{Spec=\"type=cache,target=$CACHE_DIR,id=${ID},uid=$UID\" Type=Cache Target=\"$CACHE_DIR\" Id=\"${ID}\"}")]
    [InlineData("type=$KIND,required,size=1m,target=/x", "{Spec=\"type=$KIND,required,size=1m,target=/x\" Target=\"/x\" ReadOnly=true SizeLimit=1048576 Required=true}")]
    [InlineData("type=bind,from=stage$,target=/x", "{Spec=\"type=bind,from=stage$,target=/x\" From=\"stage$\" Target=\"/x\" ReadOnly=true}")]
    public void Mounts(string spec, string expected)
    {
        var run = Single<RunInstruction>("RUN --mount=" + spec + " make");
        Assert.Equal(expected, ModelPrinter.Value(Assert.Single(run.Mounts)));
    }

    [Fact]
    public void MountsWithVariablesAreReparsedByTheBuilder()
    {
        var run = Single<RunInstruction>("RUN --mount=type=$T,target=$DIR,uid=${UID},mode=0700 --mount=type=cache,target=/b make");
        Assert.Equal(2, run.Mounts.Count);
        Assert.Null(run.Mounts[0].Uid); // deferred: the builder re-parses the spec

        var variables = new Dictionary<string, string> { ["T"] = "cache", ["DIR"] = "/cache", ["UID"] = "1000" };
        var expander = new ShellWordExpander();
        var mount = RunMount.Parse(run.Mounts[0].Spec, v => expander.ProcessWord(v, k => variables.GetValueOrDefault(k)));
        Assert.Equal("{Spec=\"type=$T,target=$DIR,uid=${UID},mode=0700\" Type=Cache Target=\"/cache\" Mode=448 Uid=1000}", ModelPrinter.Value(mount));

        variables["T"] = "bind";
        var e = Assert.Throws<FormatException>(() => RunMount.Parse(run.Mounts[0].Spec, v => expander.ProcessWord(v, k => variables.GetValueOrDefault(k))));
        Assert.Equal("mode not allowed for \"bind\" type mounts", e.Message);
        Assert.Equal("type=bind", RunMount.Parse("type=bind", v => v).Spec);
    }

    [Theory]
    [InlineData("CMD", "CMD 2-2 \"CMD\" IsShellForm=true")]
    [InlineData("CMD echo \"hello world\"", "CMD 2-2 \"CMD echo \\\"hello world\\\"\" Command=[\"echo \\\"hello world\\\"\"] IsShellForm=true")]
    [InlineData("CMD [\"echo\", \"hello world\"]", "CMD 2-2 \"CMD [\\\"echo\\\", \\\"hello world\\\"]\" Command=[\"echo\", \"hello world\"]")]
    [InlineData("ENTRYPOINT []", "ENTRYPOINT 2-2 \"ENTRYPOINT []\"")]
    [InlineData("ENTRYPOINT exec nginx -g 'daemon off;'", "ENTRYPOINT 2-2 \"ENTRYPOINT exec nginx -g 'daemon off;'\" Command=[\"exec nginx -g 'daemon off;'\"] IsShellForm=true")]
    [InlineData("ENTRYPOINT [ \"/usr/bin/redis-server\" ]", "ENTRYPOINT 2-2 \"ENTRYPOINT [ \\\"/usr/bin/redis-server\\\" ]\" Command=[\"/usr/bin/redis-server\"]")]
    [InlineData("SHELL [\"/bin/bash\", \"-eo\", \"pipefail\", \"-c\"]", "SHELL 2-2 \"SHELL [\\\"/bin/bash\\\", \\\"-eo\\\", \\\"pipefail\\\", \\\"-c\\\"]\" Shell=[\"/bin/bash\", \"-eo\", \"pipefail\", \"-c\"]")]
    public void CommandsInBothForms(string line, string expected) => Assert.Equal(expected, Printed(line));

    [Fact]
    public void EnvInAllItsForms()
    {
        // BuildKit's testfiles/env
        string dockerfile = """
            FROM ubuntu
            ENV name value
            ENV name=value
            ENV name=value name2=value2
            ENV name="value value1"
            ENV name=value\ value2
            ENV name="value'quote space'value2"
            ENV name='value"double quote"value2'
            ENV name=value\ value2 name2=value2\ value3
            ENV name="a\"b"
            ENV name="a\'b"
            ENV name='a\'b'
            ENV name='a\'b''
            ENV name='a\"b'
            ENV name="''"
            ENV name=value \
                name1=value1 \
                name2="value2a \
                       value2b" \
                name3="value3a\n\"value3b\"" \
            →name4="value4a\\nvalue4b" \
            """.Replace('→', '\t');
        var values = DockerfileParser.Parse(dockerfile).Stages[0].Instructions.Cast<EnvInstruction>().Select(e => ModelPrinter.Value(e.Variables));
        Assert.Equal(
            [
                "[{Key=\"name\" Value=\"value\" LegacySyntax=true}]",
                "[{Key=\"name\" Value=\"value\"}]",
                "[{Key=\"name\" Value=\"value\"}, {Key=\"name2\" Value=\"value2\"}]",
                "[{Key=\"name\" Value=\"\\\"value value1\\\"\"}]",
                "[{Key=\"name\" Value=\"value\\\\ value2\"}]",
                "[{Key=\"name\" Value=\"\\\"value'quote space'value2\\\"\"}]",
                "[{Key=\"name\" Value=\"'value\\\"double quote\\\"value2'\"}]",
                "[{Key=\"name\" Value=\"value\\\\ value2\"}, {Key=\"name2\" Value=\"value2\\\\ value3\"}]",
                "[{Key=\"name\" Value=\"\\\"a\\\\\\\"b\\\"\"}]",
                "[{Key=\"name\" Value=\"\\\"a\\\\'b\\\"\"}]",
                "[{Key=\"name\" Value=\"'a\\\\'b'\"}]",
                "[{Key=\"name\" Value=\"'a\\\\'b''\"}]",
                "[{Key=\"name\" Value=\"'a\\\\\\\"b'\"}]",
                "[{Key=\"name\" Value=\"\\\"''\\\"\"}]",
                "[{Key=\"name\" Value=\"value\"}, {Key=\"name1\" Value=\"value1\"}, {Key=\"name2\" Value=\"\\\"value2a            value2b\\\"\"}, {Key=\"name3\" Value=\"\\\"value3a\\\\n\\\\\\\"value3b\\\\\\\"\\\"\"}, {Key=\"name4\" Value=\"\\\"value4a\\\\\\\\nvalue4b\\\"\"}]",
            ],
            values);
    }

    [Theory]
    [InlineData("ARG foo bar=baz", "[{Name=\"foo\"}, {Name=\"bar\" Default=\"baz\"}]")] // testfiles/args
    [InlineData("ARG abc=\"123 456\" def", "[{Name=\"abc\" Default=\"\\\"123 456\\\"\"}, {Name=\"def\"}]")]
    [InlineData("ARG empty= other=a=b", "[{Name=\"empty\" Default=\"\"}, {Name=\"other\" Default=\"a=b\"}]")]
    [InlineData("ARG --ignored-flag VERSION", "[{Name=\"VERSION\"}]")] // BuildKit never checks ARG's flags
    public void Arg(string line, string expected) => Assert.Equal(expected, ModelPrinter.Value(Single<ArgInstruction>(line).Args));

    [Theory]
    [InlineData("LABEL a=b c=\"d e\" \"f g\"=h", "[{Key=\"a\" Value=\"b\"}, {Key=\"c\" Value=\"\\\"d e\\\"\"}, {Key=\"\\\"f g\\\"\" Value=\"h\"}]")]
    [InlineData("LABEL maintainer James Turnbull \"james@example.com\"", "[{Key=\"maintainer\" Value=\"James Turnbull \\\"james@example.com\\\"\" LegacySyntax=true}]")]
    [InlineData("LABEL description='single quoted' empty=", "[{Key=\"description\" Value=\"'single quoted'\"}, {Key=\"empty\" Value=\"\"}]")]
    public void Label(string line, string expected) => Assert.Equal(expected, ModelPrinter.Value(Single<LabelInstruction>(line).Labels));

    [Theory]
    [InlineData("COPY -- foo /tmp/", "COPY 2-2 \"COPY -- foo /tmp/\" Sources=[\"foo\"] Destination=\"/tmp/\"")]
    [InlineData("COPY --exclude=*.md --exclude=.git --parents --link=false ./a ./b /dst/", "COPY 2-2 \"COPY --exclude=*.md --exclude=.git --parents --link=false ./a ./b /dst/\" Sources=[\"./a\", \"./b\"] Destination=\"/dst/\" Parents=true Excludes=[\"*.md\", \".git\"]")]
    [InlineData("COPY --from=0 --chmod=755 --link=TRUE /bin/app /usr/local/bin/", "COPY 2-2 \"COPY --from=0 --chmod=755 --link=TRUE /bin/app /usr/local/bin/\" Sources=[\"/bin/app\"] Destination=\"/usr/local/bin/\" From=\"0\" Chmod=\"755\" Link=true")]
    [InlineData("COPY \"--chown=a b\" x y", "COPY 2-2 \"COPY \\\"--chown=a b\\\" x y\" Sources=[\"\\\"--chown=a\", \"b\\\"\", \"x\"] Destination=\"y\"")]
    [InlineData("COPY --chown=\"1000:1000\" x y", "COPY 2-2 \"COPY --chown=\\\"1000:1000\\\" x y\" Sources=[\"x\"] Destination=\"y\" Chown=\"1000:1000\"")]
    [InlineData("ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/a.tgz /", "ADD 2-2 \"ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/a.tgz /\" Sources=[\"https://example.com/a.tgz\"] Destination=\"/\" Checksum=\"sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d\"")]
    [InlineData("ADD --keep-git-dir --unpack=false --chown=app --exclude=x git@github.com:a/b.git /src", "ADD 2-2 \"ADD --keep-git-dir --unpack=false --chown=app --exclude=x git@github.com:a/b.git /src\" Sources=[\"git@github.com:a/b.git\"] Destination=\"/src\" Chown=\"app\" KeepGitDir=true Unpack=false Excludes=[\"x\"]")]
    [InlineData("ADD --link [\"a b\", \"c\", \"/d e/\"]", "ADD 2-2 \"ADD --link [\\\"a b\\\", \\\"c\\\", \\\"/d e/\\\"]\" Sources=[\"a b\", \"c\"] Destination=\"/d e/\" Link=true")]
    public void CopyAndAdd(string line, string expected) => Assert.Equal(expected, Printed(line));

    [Theory]
    [InlineData("WORKDIR /path with spaces", "WORKDIR 2-2 \"WORKDIR /path with spaces\" Path=\"/path with spaces\"")]
    [InlineData("USER ${APP_USER}:${APP_GROUP}", "USER 2-2 \"USER ${APP_USER}:${APP_GROUP}\" User=\"${APP_USER}:${APP_GROUP}\"")]
    [InlineData("STOPSIGNAL --ignored 9", "STOPSIGNAL 2-2 \"STOPSIGNAL --ignored 9\" Signal=\"9\"")] // BuildKit never checks STOPSIGNAL's flags
    [InlineData("EXPOSE 80/tcp 443 53/udp 8080", "EXPOSE 2-2 \"EXPOSE 80/tcp 443 53/udp 8080\" Ports=[\"443\", \"53/udp\", \"80/tcp\", \"8080\"]")]
    [InlineData("EXPOSE ${PORT}", "EXPOSE 2-2 \"EXPOSE ${PORT}\" Ports=[\"${PORT}\"]")]
    [InlineData("VOLUME /opt/nagios/var /opt/nagios/etc\t/var/log/apache2", "VOLUME 2-2 \"VOLUME /opt/nagios/var /opt/nagios/etc\\t/var/log/apache2\" Volumes=[\"/opt/nagios/var\", \"/opt/nagios/etc\", \"/var/log/apache2\"]")]
    [InlineData("VOLUME [\" /data \"]", "VOLUME 2-2 \"VOLUME [\\\" /data \\\"]\" Volumes=[\"/data\"]")]
    [InlineData("MAINTAINER SvenDowideit@home.org.au", "MAINTAINER 2-2 \"MAINTAINER SvenDowideit@home.org.au\" Maintainer=\"SvenDowideit@home.org.au\"")]
    [InlineData("HEALTHCHECK --interval=5s NONE", "HEALTHCHECK 2-2 \"HEALTHCHECK --interval=5s NONE\" Test=[\"NONE\"]")] // NONE ignores the flags, as BuildKit
    [InlineData("HEALTHCHECK --timeout=3s CMD [\"foo\"]", "HEALTHCHECK 2-2 \"HEALTHCHECK --timeout=3s CMD [\\\"foo\\\"]\" Test=[\"CMD\", \"foo\"] Timeout=00:00:03")]
    [InlineData("HEALTHCHECK   CMD   a b", "HEALTHCHECK 2-2 \"HEALTHCHECK   CMD   a b\" Test=[\"CMD-SHELL\", \"a b\"]")]
    [InlineData("HEALTHCHECK --interval=1h2m3.5s --timeout=1.5ms --start-period=90s --start-interval=0 --retries=+7 CMD true", "HEALTHCHECK 2-2 \"HEALTHCHECK --interval=1h2m3.5s --timeout=1.5ms --start-period=90s --start-interval=0 --retries=+7 CMD true\" Test=[\"CMD-SHELL\", \"true\"] Interval=01:02:03.5000000 Timeout=00:00:00.0015000 StartPeriod=00:01:30 Retries=7")]
    [InlineData("HEALTHCHECK --interval= CMD true", "HEALTHCHECK 2-2 \"HEALTHCHECK --interval= CMD true\" Test=[\"CMD-SHELL\", \"true\"]")]
    [InlineData("ONBUILD RUN --mount=type=cache,target=/x make", "ONBUILD 2-2 \"ONBUILD RUN --mount=type=cache,target=/x make\" Trigger=(RUN 2-2 \"RUN --mount=type=cache,target=/x make\" Command=[\"make\"] IsShellForm=true Mounts=[{Spec=\"type=cache,target=/x\" Type=Cache Target=\"/x\"}]) Expression=\"RUN --mount=type=cache,target=/x make\"")]
    [InlineData("  onbuild   workdir /app  ", "ONBUILD 2-2 \"onbuild   workdir /app\" Trigger=(WORKDIR 2-2 \"workdir /app\" Path=\"/app\") Expression=\"workdir /app  \"")]
    public void OtherInstructions(string line, string expected) => Assert.Equal(expected, Printed(line));

    [Fact]
    public void KeywordsAreUpperCase()
    {
        var all = DockerfileParser.Parse("""
            from a
            run x
            cmd x
            entrypoint x
            env a=b
            arg a
            workdir /
            copy a b
            add a b
            label a=b
            user u
            expose 1
            volume /v
            stopsignal 9
            healthcheck none
            shell ["sh"]
            onbuild run x
            maintainer m
            """).Stages[0];
        Assert.Equal(
            ["FROM", "RUN", "CMD", "ENTRYPOINT", "ENV", "ARG", "WORKDIR", "COPY", "ADD", "LABEL", "USER", "EXPOSE", "VOLUME", "STOPSIGNAL", "HEALTHCHECK", "SHELL", "ONBUILD", "MAINTAINER"],
            all.Instructions.Prepend(all.From).Select(i => i.Keyword));
    }
}
