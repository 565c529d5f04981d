using System.CommandLine;
using Quai.Engine;
using Quai.Engine.Containers;
using Quai.Images;

namespace Quai.Cli.Commands.Containers;

/// <summary>`run` and `create`.</summary>
public static class RunCommand
{
    public static Command Create(CliContext cli, bool run)
    {
        var flags = new RunFlags();
        var detach = new Option<bool>("--detach", "-d") { Description = "Run container in background and print container ID" };
        var sigProxy = new Option<bool>("--sig-proxy") { Description = "Proxy received signals to the process", DefaultValueFactory = _ => true };
        var attach = new Option<string[]>("--attach", "-a") { Description = "Attach to STDIN, STDOUT or STDERR", AllowMultipleArgumentsPerToken = false };
        var detachKeys = new Option<string?>("--detach-keys") { Description = "Override the key sequence for detaching a container" };
        var pull = new Option<string?>("--pull") { Description = "Pull image before running (\"always\", \"missing\", \"never\")" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Suppress the pull output" };
        var cidfile = new Option<string?>("--cidfile") { Description = "Write the container ID to the file" };
        var image = new Argument<string>("IMAGE");
        var command = new Argument<string[]>("COMMAND") { Arity = ArgumentArity.ZeroOrMore };
        var cmd = new Command(run ? "run" : "create", run ? "Create and run a new container from an image" : "Create a new container");
        flags.AddTo(cmd);
        cmd.Add(pull);
        cmd.Add(quiet);
        cmd.Add(cidfile);
        if (run) { cmd.Add(detach); cmd.Add(sigProxy); cmd.Add(attach); cmd.Add(detachKeys); }
        cmd.Add(image);
        cmd.Add(command);
        cmd.SetAction(p =>
        {
            RunOptions o;
            AttachOptions? ao = null;
            string policy;
            var isDetach = !run || p.GetValue(detach);
            try
            {
                policy = Registry.RunPull.Validate(p.GetValue(pull));
                o = flags.Read(p, p.GetValue(image)!, p.GetValue(command) ?? [], isDetach);
                if (run && !isDetach && o.Interactive && o.Tty && !Quai.Interop.RawTerminal.IsTerminal(0))
                    return EngineCli.Plain(cli, "the input device is not a TTY", 1);
                if (o.Tty && (Quai.Interop.RawTerminal.Size(1) ?? Quai.Interop.RawTerminal.Size(0)) is { } size)
                    o.HostConfig.ConsoleSize = [size.Rows, size.Cols];
                if (run && !isDetach)
                {
                    var streams = p.GetValue(attach) is { Length: > 0 } a ? AttachOptions.ParseStreams(a) : (o.Interactive, true, true);
                    ao = new AttachOptions(o.Interactive && streams.Item1, o.Tty, streams.Item2, streams.Item3, p.GetValue(sigProxy),
                        p.GetValue(detachKeys) is { } dk ? AttachOptions.ParseDetachKeys(dk) : AttachOptions.DefaultDetachKeys);
                }
                else if (isDetach && p.GetValue(attach) is { Length: > 0 })
                    throw new EngineUsageException("Conflicting options: -a and -d");
            }
            catch (Exception e) { return EngineCli.Fail(cli, e); }
            var q = p.GetValue(quiet);
            using var cid = p.GetValue(cidfile) is { } cidPath ? CidFile.Claim(cidPath) : null;
            if (cid is { Error: { } cidError }) return EngineCli.Fail(cli, new EngineUsageException(cidError));
            return EngineCli.Run(cli, p, engine =>
            {
                Container c;
                if (policy == "always" && Registry.RunPull.Pull(cli, engine.Images, o.Image, o.Platform, q) is { } failed)
                    return EngineCli.Daemon(cli, failed, 125);
                try { c = engine.Create(o); }
                catch (ImageNotFoundException) when (policy != "always")
                {
                    if (policy == "never") return EngineCli.Daemon(cli, $"No such image: {ImageStore.DisplayName(o.Image)}", 125);
                    if (!q) cli.Err.WriteLine($"Unable to find image '{ImageStore.DisplayName(o.Image)}' locally");
                    if (Registry.RunPull.Pull(cli, engine.Images, o.Image, o.Platform, q) is { } error) return EngineCli.Daemon(cli, error, 125);
                    try { c = engine.Create(o); }
                    catch (Exception e) when (e is ConflictException or NotFoundException or ImageNotFoundException) { return EngineCli.Daemon(cli, e.Message, 125); }
                }
                catch (Exception e) when (e is ConflictException or NotFoundException)
                {
                    // docker run/create: every error before the container exists is 125
                    return EngineCli.Daemon(cli, e.Message, 125);
                }
                Quai.Engine.Monitor.ContainerMonitor.Mark("created", "cli");
                cid?.Write(c.Id);
                if (!run) { cli.Out.WriteLine(c.Id); return 0; }
                if (isDetach)
                {
                    using var h = engine.Start(c.Id, waitForAttach: false);
                    try { h.ExpectStarted(); }
                    catch (ContainerStartException e) { return EngineCli.Daemon(cli, e.Message, e.ExitCode); }
                    cli.Out.WriteLine(c.Id);
                    return 0;
                }
                return StartAttached(cli, engine, c.Id, ao!, o.HostConfig.AutoRemove);
            });
        });
        return cmd;
    }

    /// <summary>Starts the monitor in attach mode, connects before the container starts, streams.</summary>
    public static int StartAttached(CliContext cli, ContainerEngine engine, string id, AttachOptions ao, bool autoRemove)
    {
        var stdin = ao.Stdin;
        using var h = engine.Start(id, waitForAttach: true);
        if (h.AlreadyRunning)
        {
            var s0 = AttachClient.Connect(engine, id, stdin);
            return AttachClient.Stream(engine, id, s0, ao);
        }
        var line = h.ReadLine();
        if (line != "created")
        {
            var msg = line is { } l && l.StartsWith("error ", StringComparison.Ordinal) ? l[6..] : "125 container monitor exited before the container started";
            var sp = msg.IndexOf(' ');
            WaitRemoved(engine, id, autoRemove);
            return EngineCli.Daemon(cli, msg[(sp + 1)..], int.Parse(msg[..sp]));
        }
        Quai.Interop.FaultPoint.Hit("cli.run.created");
        var s = AttachClient.Connect(engine, id, stdin);
        try { h.ExpectStarted(); }
        catch (ContainerStartException e)
        {
            s.Dispose();
            WaitRemoved(engine, id, autoRemove);
            return EngineCli.Daemon(cli, e.Message, e.ExitCode);
        }
        Quai.Engine.Monitor.ContainerMonitor.Mark("started", "cli");
        var code = AttachClient.Stream(engine, id, s, ao);
        Quai.Engine.Monitor.ContainerMonitor.Mark("exit code received", "cli");
        WaitRemoved(engine, id, autoRemove);
        Quai.Engine.Monitor.ContainerMonitor.Mark("removed", "cli");
        return code;
    }

    private static void WaitRemoved(ContainerEngine engine, string id, bool autoRemove)
    {
        if (!autoRemove) return;
        var deadline = Environment.TickCount64 + 10_000;
        while (Directory.Exists(engine.Store.Dir(id)) && Environment.TickCount64 < deadline) Thread.Sleep(5);
    }
}
