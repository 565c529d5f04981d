namespace Quai.Engine.IntegrationTests;

/// <summary>Every Dockerfile instruction through a real `quai build`: what it puts in the image config
/// (compared with what Docker writes), its history entry, and its effect on the RUN steps after it.</summary>
public sealed class BuildInstructionTests(QuaiHost q) : IClassFixture<QuaiHost>, IDisposable
{
    private readonly BuildDir b = new(q);

    public void Dispose() => b.Dispose();

    [Fact]
    public void Config_instructions_write_the_image_config_as_docker_does_and_one_empty_history_entry_each()
    {
        var tag = b.Tag("cfg");
        b.Write("Dockerfile", """
            FROM bb
            MAINTAINER Jane Doe <jane@example.com>
            LABEL a=1 "b c"="two words"
            LABEL multi.one=x \
                  multi.two=y
            EXPOSE 80 53/udp 443/TCP 7000-7002/sctp
            VOLUME /data
            VOLUME ["/logs", "/cache"]
            VOLUME /v1 /v2
            STOPSIGNAL SIGUSR1
            HEALTHCHECK --interval=30s --timeout=5s --start-period=1m --start-interval=2s --retries=4 CMD test -e /data || exit 1
            """);
        b.Ok("-t", tag);
        Assert.Equal("Jane Doe <jane@example.com>", b.Inspect(tag, "{{.Author}}"));
        Assert.Equal("""{"a":"1","b c":"two words","multi.one":"x","multi.two":"y"}""", b.Inspect(tag, "{{json .Config.Labels}}"));
        Assert.Equal("""{"443/tcp":{},"53/udp":{},"7000/sctp":{},"7001/sctp":{},"7002/sctp":{},"80/tcp":{}}""", b.Inspect(tag, "{{json .Config.ExposedPorts}}"));
        Assert.Equal("""{"/cache":{},"/data":{},"/logs":{},"/v1":{},"/v2":{}}""", b.Inspect(tag, "{{json .Config.Volumes}}"));
        Assert.Equal("SIGUSR1", b.Inspect(tag, "{{.Config.StopSignal}}"));
        // durations in nanoseconds, as Docker's HealthConfig holds them
        Assert.Equal("""{"Test":["CMD-SHELL","test -e /data || exit 1"],"Interval":30000000000,"Timeout":5000000000,"StartPeriod":60000000000,"StartInterval":2000000000,"Retries":4}""",
            b.Inspect(tag, "{{json .Config.Healthcheck}}"));

        // one history entry per instruction, none of them a layer; the layers stay bb's
        var history = b.History(tag);
        Assert.Equal(10, history.Count); // bb's import + 9 instructions
        Assert.All(history.Skip(1), h => Assert.Equal(0, h.Size));
        Assert.Equal("MAINTAINER Jane Doe <jane@example.com>", history[1].CreatedBy);
        Assert.StartsWith("STOPSIGNAL SIGUSR1", history[8].CreatedBy);
        Assert.Equal(b.Inspect("bb", "{{json .RootFS.Layers}}"), b.Inspect(tag, "{{json .RootFS.Layers}}"));

        // a container of the image stops with the image's signal
        var name = QuaiHost.Unique("sig");
        try
        {
            q.Ok("run", "-d", "--name", name, tag, "sh", "-c", "trap 'echo got-usr1; exit 0' USR1; touch /tmp/ready; while true; do sleep 0.1; done");
            Assert.True(QuaiHost.Eventually(() => q.Run("exec", name, "test", "-f", "/tmp/ready").Code == 0, TimeSpan.FromSeconds(10)));
            Assert.Equal("SIGUSR1", q.Inspect(name, "{{.Config.StopSignal}}"));
            q.Ok("stop", "-t", "10", name);
            Assert.Contains("got-usr1", q.Ok("logs", name));
            Assert.Equal("0", q.Inspect(name, "{{.State.ExitCode}}"));
        }
        finally { q.Run("rm", "-f", "-v", name); }

        // HEALTHCHECK NONE turns the inherited check off; the exec form keeps its array
        var none = b.Tag("hcnone");
        b.Write("Dockerfile", $"FROM {tag}\nHEALTHCHECK NONE\n");
        b.Ok("-t", none);
        Assert.Equal("""{"Test":["NONE"]}""", b.Inspect(none, "{{json .Config.Healthcheck}}"));
        var exec = b.Tag("hcexec");
        b.Write("Dockerfile", "FROM bb\nHEALTHCHECK CMD [\"test\", \"-e\", \"/etc/passwd\"]\n");
        b.Ok("-t", exec);
        Assert.Equal("""{"Test":["CMD","test","-e","/etc/passwd"]}""", b.Inspect(exec, "{{json .Config.Healthcheck}}"));
    }

    [Fact]
    public void Shell_changes_the_shell_of_run_cmd_and_entrypoint_shell_forms_but_not_exec_forms()
    {
        var tag = b.Tag("shell");
        b.Write("Dockerfile", """
            FROM bb
            RUN echo '#!/bin/sh' > /bin/mysh && echo 'echo "via-mysh: $2"; exec /bin/sh "$@"' >> /bin/mysh && busybox chmod +x /bin/mysh
            SHELL ["/bin/mysh", "-c"]
            RUN echo in-run > /ran
            RUN ["cat", "/ran"]
            ENTRYPOINT echo entry
            CMD echo cmd
            """);
        var r = b.Ok("-t", tag);
        Assert.Contains("via-mysh: echo in-run > /ran", r.Err);
        Assert.DoesNotContain("via-mysh: cat", r.Err);
        Assert.Equal("""["/bin/mysh","-c"]""", b.Inspect(tag, "{{json .Config.Shell}}"));
        Assert.Equal("""["/bin/mysh","-c","echo entry"]""", b.Inspect(tag, "{{json .Config.Entrypoint}}"));
        Assert.Equal("""["/bin/mysh","-c","echo cmd"]""", b.Inspect(tag, "{{json .Config.Cmd}}"));
        Assert.Equal("via-mysh: echo entry\nentry", q.Ok("run", "--rm", tag));
    }

    [Fact]
    public void Env_in_both_forms_expands_with_the_values_before_the_instruction()
    {
        var tag = b.Tag("env");
        b.Write("Dockerfile", """
            FROM bb
            ENV A=1
            ENV A=2 B=$A
            ENV C ${A}-${B} legacy ${MISSING:-dflt}
            ENV D="quoted value" E=with\ space
            RUN echo "A=$A B=$B C=$C D=$D E=$E" > /env.txt
            CMD ["cat", "/env.txt"]
            """);
        b.Ok("-t", tag);
        Assert.Equal("A=2 B=1 C=2-1 legacy dflt D=quoted value E=with space", q.Ok("run", "--rm", tag));
        var env = b.Inspect(tag, "{{json .Config.Env}}");
        Assert.Contains("\"A=2\"", env);
        Assert.Contains("\"C=2-1 legacy dflt\"", env);
        Assert.Contains("\"E=with space\"", env);
    }

    [Fact]
    public void Arg_scopes_global_defaults_stage_redeclarations_build_args_and_predefined_ones()
    {
        var tag = b.Tag("args");
        b.Write("Dockerfile", """
            ARG BASE=bb
            ARG GLOBAL=g-default
            ARG OVER=o-default
            FROM ${BASE} AS first
            RUN echo "first-before:GLOBAL=[$GLOBAL]"
            ARG GLOBAL
            ARG OVER
            RUN echo "first-after:GLOBAL=[$GLOBAL] OVER=[$OVER]" > /first

            FROM bb
            ARG GLOBAL=stage-default
            ARG TARGETARCH
            ARG BUILDPLATFORM
            ARG TARGETOS
            COPY --from=first /first /first
            RUN echo "second:GLOBAL=[$GLOBAL] arch=[$TARGETARCH] os=[$TARGETOS] bp=[$BUILDPLATFORM] undeclared=[$BUILDARCH] proxy=[$HTTP_PROXY]" > /second
            CMD ["cat", "/first", "/second"]
            """);
        var r = b.Ok("-t", tag, "--build-arg", "OVER=from-cli", "--build-arg", "HTTP_PROXY=http://proxy.invalid:3128");
        Assert.Contains("first-before:GLOBAL=[]", r.Err); // a global ARG is not seen by a stage that does not declare it
        var arch = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
        {
            System.Runtime.InteropServices.Architecture.X64 => "amd64",
            System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
            var other => other.ToString().ToLowerInvariant(),
        };
        Assert.Equal($"first-after:GLOBAL=[g-default] OVER=[from-cli]\nsecond:GLOBAL=[stage-default] arch=[{arch}] os=[linux] bp=[linux/{arch}] undeclared=[] proxy=[http://proxy.invalid:3128]",
            q.Ok("run", "--rm", tag));
        // build args are no part of the image's environment; undeclared proxies reach no history entry
        Assert.DoesNotContain("GLOBAL", b.Inspect(tag, "{{json .Config}}"));
        var history = string.Join('\n', b.History(tag).Select(h => h.CreatedBy));
        Assert.DoesNotContain("proxy.invalid", history);
        Assert.Contains("GLOBAL=stage-default", history); // the RUN's |N args prefix, as BuildKit writes it
    }

    [Fact]
    public void User_and_workdir_apply_to_run_and_workdir_is_created_owned_by_the_user()
    {
        var tag = b.Tag("user");
        b.Write("Dockerfile", """
            FROM bb
            WORKDIR /rootdir
            USER 1000:1000
            WORKDIR /app/sub
            WORKDIR rel
            RUN echo "$(id -u):$(id -g) $(pwd)" > /tmp/who && busybox stat -c '%u:%g %a %n' /rootdir /app /app/sub /app/sub/rel >> /tmp/who
            USER user
            WORKDIR /named
            RUN busybox stat -c '%u:%g %n' /named >> /tmp/who
            CMD ["cat", "/tmp/who"]
            """);
        b.Ok("-t", tag);
        Assert.Equal("""
            1000:1000 /app/sub/rel
            0:0 755 /rootdir
            1000:1000 755 /app
            1000:1000 755 /app/sub
            1000:1000 755 /app/sub/rel
            1000:1000 /named
            """.ReplaceLineEndings("\n"), q.Ok("run", "--rm", tag));
        Assert.Equal("user", b.Inspect(tag, "{{.Config.User}}"));
        Assert.Equal("/named", b.Inspect(tag, "{{.Config.WorkingDir}}"));

        // the directory is in the image even when no RUN follows, and an existing one keeps its mode
        var only = b.Tag("wdonly");
        b.Write("Dockerfile", "FROM bb\nWORKDIR /made/here\nWORKDIR /tmp\n");
        b.Ok("-t", only);
        Assert.Equal("0:0 755\n0:0 1777", q.Ok("run", "--rm", only, "busybox", "stat", "-c", "%u:%g %a", "/made/here", "/tmp"));
    }

    [Fact]
    public void Entrypoint_resets_an_inherited_cmd_and_shell_forms_are_wrapped()
    {
        b.Write("Dockerfile", """
            FROM bb AS base
            CMD ["echo", "base-cmd"]

            FROM base AS ep
            ENTRYPOINT ["echo", "ep"]

            FROM base AS both
            CMD ["from-cmd"]
            ENTRYPOINT ["echo", "ep"]

            FROM base AS shellform
            ENTRYPOINT echo shell-ep "$HOME"

            FROM base AS cmdshell
            CMD echo "cmd-shell $HOSTNAME" | wc -w
            """);
        var tags = new Dictionary<string, string>();
        foreach (var stage in new[] { "base", "ep", "both", "shellform", "cmdshell" })
        {
            tags[stage] = b.Tag(stage);
            b.Ok("--target", stage, "-t", tags[stage]);
        }
        Assert.Equal("base-cmd", q.Ok("run", "--rm", tags["base"]));
        Assert.True(BuildDir.Unset(b.Config(tags["ep"]), "Cmd"), b.Inspect(tags["ep"], "{{json .Config}}")); // the inherited CMD is gone
        Assert.Equal("ep", q.Ok("run", "--rm", tags["ep"]));
        Assert.Equal("ep more", q.Ok("run", "--rm", tags["ep"], "more"));
        Assert.Equal("ep from-cmd", q.Ok("run", "--rm", tags["both"])); // a CMD of the same stage stays
        Assert.Equal(["/bin/sh", "-c", "echo shell-ep \"$HOME\""], b.Strings(tags["shellform"], "Entrypoint"));
        Assert.Equal("shell-ep /root", q.Ok("run", "--rm", tags["shellform"], "ignored", "args")); // shell form ignores CMD and args
        Assert.Equal(["/bin/sh", "-c", "echo \"cmd-shell $HOSTNAME\" | wc -w"], b.Strings(tags["cmdshell"], "Cmd"));
        Assert.Equal("2", q.Ok("run", "--rm", tags["cmdshell"]));
    }

    [Fact]
    public void Onbuild_triggers_fire_in_a_child_build_with_the_childs_context_and_not_in_the_grandchild()
    {
        var parent = b.Tag("onb-parent");
        var child = b.Tag("onb-child");
        var grandchild = b.Tag("onb-grand");
        b.Write("Dockerfile", """
            FROM bb
            ONBUILD RUN echo fired >> /fired
            ONBUILD COPY from-child.txt /from-child.txt
            RUN echo parent-run
            """);
        var p = b.Ok("-t", parent);
        Assert.Equal(["RUN echo fired >> /fired", "COPY from-child.txt /from-child.txt"], b.Strings(parent, "OnBuild"));
        Assert.NotEqual(0, q.Run("run", "--rm", parent, "test", "-e", "/fired").Code); // not fired in the image that declares them

        b.Write("Dockerfile", $"FROM {parent}\nRUN cat /fired /from-child.txt\n");
        b.Write("from-child.txt", "the child's context\n");
        var c = b.Ok("-t", child);
        Assert.Matches(@"(?m) fired\n#\d+ \d+\.\d{3} the child's context$", c.Err); // RUN output in BuildKit's plain lines
        Assert.True(BuildDir.Unset(b.Config(child), "OnBuild"), b.Inspect(child, "{{json .Config}}")); // triggers are not inherited

        b.Write("Dockerfile", $"FROM {child}\nRUN cat /fired\n");
        File.Delete(Path.Combine(b.Ctx, "from-child.txt")); // the grandchild would fail if the COPY fired again
        var g = b.Ok("-t", grandchild);
        Assert.DoesNotContain("ONBUILD", g.Err);
        Assert.Equal("fired", q.Ok("run", "--rm", grandchild, "cat", "/fired"));
        _ = p;
    }

    [Fact]
    public void What_a_run_writes_under_a_volume_stays_in_the_image_as_with_buildkit()
    {
        var tag = b.Tag("vol");
        b.Write("Dockerfile", """
            FROM bb AS base
            VOLUME /data
            RUN echo kept > /data/f

            FROM bb
            COPY --from=base /data/f /from-volume
            CMD ["cat", "/from-volume"]
            """);
        b.Ok("-t", tag);
        Assert.Equal("kept", q.Ok("run", "--rm", tag));
        Assert.Empty(BuildDir.Lines(q.Ok("volume", "ls", "-q"))); // no step made an anonymous volume
    }

    [Fact]
    public void History_has_one_entry_per_instruction_with_layers_only_for_run_and_copy()
    {
        var tag = b.Tag("hist");
        b.Write("Dockerfile", """
            FROM bb
            ENV X=1
            COPY f.txt /f.txt
            RUN echo more > /more
            LABEL l=v
            USER 1000
            EXPOSE 9000/udp
            CMD ["cat", "/f.txt"]
            """);
        b.Write("f.txt", "file\n");
        b.Ok("-t", tag);
        var h = b.History(tag);
        Assert.Equal(8, h.Count);
        Assert.Equal(["ENV X=1", "LABEL l=v", "USER 1000"], new[] { h[1].CreatedBy, h[4].CreatedBy, h[5].CreatedBy });
        Assert.Contains("COPY f.txt /f.txt", h[2].CreatedBy);
        Assert.Contains("echo more > /more", h[3].CreatedBy);
        Assert.True(h[2].Size > 0 && h[3].Size > 0, string.Join('\n', h));
        Assert.All(new[] { 1, 4, 5, 6, 7 }, i => Assert.Equal(0, h[i].Size));
        Assert.Equal(3, b.LayerCount(tag)); // bb's, COPY's, RUN's
    }
}
