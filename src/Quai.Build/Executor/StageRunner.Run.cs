using System.Formats.Tar;
using Quai.Build.Syntax;
using Quai.Engine.Containers;
using Quai.Engine.Files;
using Quai.Engine.Logs;
using Quai.Images;
using Quai.Oci.Image;

namespace Quai.Build.Executor;

internal sealed partial class StageRunner
{

    private void RunStep(RunInstruction r)
    {
        if (r.Security != default) throw new BuildException($"{Where(r)}: RUN --security=insecure is not allowed");
        var mounts = PlanMounts(r);
        List<string> cmd;
        var text = string.Join(' ', r.Command).Trim();
        if (r.Heredocs.Count > 0)
        {
            // BuildKit's three cases: the line is the heredoc alone (`RUN <<EOF`): its body is the script the
            // shell runs, or, starting with #!, a file run by its interpreter; else (`RUN cat <<EOF > /f`,
            // several heredocs) the line and the bodies, each with its terminator, go whole to the shell,
            // which expands them or not (a quoted delimiter) as it does for any heredoc
            if (!r.IsShellForm) throw new BuildException($"{Where(r)}: parsing produced an invalid run command: {Json(r.Command)}");
            if (HeredocParser.TryParse(text) is not null)
                cmd = r.Heredocs[0].Content.StartsWith("#!", StringComparison.Ordinal)
                    ? [.. Shell(), HeredocScript(r.Heredocs[0])]
                    : [.. Shell(), r.Heredocs[0].Content];
            else cmd = [.. Shell(), text + string.Concat(r.Heredocs.Select(h => "\n" + h.Content + h.Name))];
        }
        else cmd = r.IsShellForm ? [.. Shell(), text] : [.. r.Command];
        // build arguments reach RUN as environment variables (an ENV of the same name wins), not the image
        var argEnv = _usedArgs.Distinct().Where(a => _args.ContainsKey(a) && !(_config.Env ?? []).Any(e => e.StartsWith(a + "=", StringComparison.Ordinal)))
            .Select(a => $"{a}={_args[a]}").ToList();
        var createdBy = (argEnv.Count > 0 ? $"|{argEnv.Count} {string.Join(' ', argEnv)} " : "") + "RUN " + string.Join(' ', cmd);
        Commit(r, createdBy, StepKey(r, mounts), () => RunContainer(r, cmd, argEnv, createdBy, mounts));
    }

    /// <summary>What a RUN's cache key adds to its command: its network and the build's container flags, and each
    /// mount as planned (a bind of the context with the checksum of what it exposes; never a secret's value nor a
    /// cache directory's content).</summary>
    private string StepKey(RunInstruction r, List<MountPlan> mounts)
    {
        var q = run.Request;
        var parts = new List<string> { r.Network.ToString(), "net=" + Network(r) };
        if (q.ExtraHosts.Count > 0) parts.Add("hosts=" + string.Join(',', q.ExtraHosts));
        if (q.ShmSize > 0) parts.Add("shm=" + q.ShmSize);
        if (q.Ulimits.Count > 0) parts.Add("ulimits=" + string.Join(',', q.Ulimits.Select(u => $"{u.Name}={u.Soft}:{u.Hard}")));
        parts.AddRange(mounts.Select(m => m.Key));
        return string.Join('\n', parts);
    }

    /// <summary>The step's network: its own --network, else the build's; "default" is the host's until bridge networks exist.</summary>
    private string Network(RunInstruction r) => r.Network switch
    {
        RunNetwork.None => "none",
        RunNetwork.Host => "host",
        _ => run.Request.Network == "none" ? "none" : "host",
    };

    private string RunContainer(RunInstruction r, List<string> cmd, List<string> argEnv, string createdBy, List<MountPlan> plans)
    {
        var engine = run.Engine;
        if (_image is null) throw new BuildException($"{Where(r)}: RUN on an empty image (FROM scratch with nothing copied yet): there is no program to run");
        EnsureCanRun(r); // a foreign platform runs through a qemu binfmt_misc handler, or not at all
        using var mounts = PrepareMounts(r, plans);
        var o = new RunOptions
        {
            Image = _image, Cmd = cmd, Entrypoint = "", Env = [.. _config.Env ?? [], .. argEnv, .. mounts.Env], ResolvedMounts = mounts.Mounts,
            User = _config.User, WorkingDir = _config.WorkingDir, Detach = true,
            Labels = new() { ["quai.build.step"] = $"{run.Request.DockerfileName}:{r.StartLine}" },
        };
        // until bridge networks exist, a step's default network is the host's (BuildKit's is its own NAT)
        o.HostConfig.NetworkMode = Network(r);
        var q = run.Request;
        // host-gateway: the host itself, which a host-network step reaches on its loopback
        if (q.ExtraHosts.Count > 0) o.HostConfig.ExtraHosts = q.ExtraHosts.Select(h => h.EndsWith(":host-gateway", StringComparison.Ordinal) ? h[..^"host-gateway".Length] + "127.0.0.1" : h).ToList();
        if (q.ShmSize > 0) o.HostConfig.ShmSize = q.ShmSize;
        if (q.Ulimits.Count > 0) o.HostConfig.Ulimits = [.. q.Ulimits];
        StepOptions(o);
        var c = engine.Create(o);
        try
        {
            run.Shared.Started(c.Id); // killed if another stage fails
            var stubs = mounts.Mounts.Count > 0 ? MissingTargets(c, mounts.Mounts.Select(m => m.Destination)) : Stubs.None;
            int code;
            using (var follower = new JsonFileLogFollower(c.LogPath))
            {
                try
                {
                    using var h = engine.Start(c.Id, waitForAttach: false);
                    h.ExpectStarted();
                }
                catch (ContainerStartException e)
                {
                    throw new BuildException($"{Where(r)}: process \"{string.Join(' ', cmd)}\" did not complete successfully: {e.Message}", e.ExitCode);
                }
                var wait = Task.Run(() => engine.Wait(c.Id));
                while (!wait.Wait(50)) Print(follower.Poll());
                Print(follower.Poll());
                code = wait.Result;
            }
            if (code != 0)
                throw new BuildException($"{Where(r)}: process \"{string.Join(' ', cmd)}\" did not complete successfully: exit code: {code}", code);
            RemoveStubs(c, stubs);
            return engine.Commit(c.Id, new CommitOptions { Config = CloneConfig(), CreatedBy = createdBy, BuildStep = true }, pause: false).Id;
        }
        finally
        {
            try { engine.Remove(c.Id, force: true, volumes: true); } catch (Exception) { /* the next command's sweep */ }
        }
    }

    private void Print(List<LogEntry> entries)
    {
        foreach (var e in entries) Out.Write(e.Log);
        if (entries.Count > 0) Out.Flush();
    }

    private ContainerConfig CloneConfig() => System.Text.Json.JsonSerializer.Deserialize(ConfigKey(), ImageJsonContext.Default.ContainerConfig)!;

}
