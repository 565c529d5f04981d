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
        if (r.Mounts.Count > 0) throw new BuildException($"{Where(r)}: RUN --mount is not supported yet");
        if (r.Security != default) throw new BuildException($"{Where(r)}: RUN --security=insecure is not allowed");
        List<string> cmd;
        var text = string.Join(' ', r.Command).Trim();
        if (r.Heredocs.Count > 0)
        {
            // RUN <<EOF … EOF: the heredoc is the script the shell runs
            if (!r.IsShellForm || r.Heredocs.Count != 1 || !text.StartsWith("<<", StringComparison.Ordinal) || text.Contains(' '))
                throw new BuildException($"{Where(r)}: RUN with a heredoc given to a command is not supported yet; put the script in the heredoc alone");
            cmd = [.. Shell(), r.Heredocs[0].Content];
        }
        else cmd = r.IsShellForm ? [.. Shell(), text] : [.. r.Command];
        // build arguments reach RUN as environment variables (an ENV of the same name wins), not the image
        var argEnv = _usedArgs.Distinct().Where(a => _args.ContainsKey(a) && !(_config.Env ?? []).Any(e => e.StartsWith(a + "=", StringComparison.Ordinal)))
            .Select(a => $"{a}={_args[a]}").ToList();
        var createdBy = (argEnv.Count > 0 ? $"|{argEnv.Count} {string.Join(' ', argEnv)} " : "") + "RUN " + string.Join(' ', cmd);
        Commit(r, createdBy, r.Network.ToString(), () => RunContainer(r, cmd, argEnv, createdBy));
    }

    private string RunContainer(RunInstruction r, List<string> cmd, List<string> argEnv, string createdBy)
    {
        var engine = run.Engine;
        if (_image is null) throw new BuildException($"{Where(r)}: RUN on an empty image (FROM scratch with nothing copied yet): there is no program to run");
        EnsureCanRun(r); // a foreign platform runs through a qemu binfmt_misc handler, or not at all
        var o = new RunOptions
        {
            Image = _image, Cmd = cmd, Entrypoint = "", Env = [.. _config.Env ?? [], .. argEnv],
            User = _config.User, WorkingDir = _config.WorkingDir, Detach = true,
            Labels = new() { ["quai.build.step"] = $"{run.Request.DockerfileName}:{r.StartLine}" },
        };
        // until bridge networks exist, a step's default network is the host's (BuildKit's is its own NAT)
        o.HostConfig.NetworkMode = r.Network == RunNetwork.None ? "none" : "host";
        var c = engine.Create(o);
        try
        {
            run.Shared.Started(c.Id); // killed if another stage fails
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
            return engine.Commit(c.Id, new CommitOptions { Config = CloneConfig(), CreatedBy = createdBy }, pause: false).Id;
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
