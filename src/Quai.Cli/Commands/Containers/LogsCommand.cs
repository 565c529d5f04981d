using System.CommandLine;
using System.Text;
using Quai.Engine;
using Quai.Engine.Containers;
using Quai.Engine.Logs;
using Quai.Engine.Specs;

namespace Quai.Cli.Commands.Containers;

/// <summary>`logs`: reads the json-file log (rotated files too); -f follows it until the container
/// stops for good.</summary>
public static class LogsCommand
{
    public static Command Create(CliContext cli)
    {
        var follow = new Option<bool>("--follow", "-f") { Description = "Follow log output" };
        var tail = new Option<string?>("--tail", "-n") { Description = "Number of lines to show from the end of the logs (default \"all\")" };
        var since = new Option<string?>("--since") { Description = "Show logs since timestamp or relative (e.g. 42m)" };
        var until = new Option<string?>("--until") { Description = "Show logs before a timestamp or relative (e.g. 42m)" };
        var timestamps = new Option<bool>("--timestamps", "-t") { Description = "Show timestamps" };
        var details = new Option<bool>("--details") { Description = "Show extra details provided to logs" };
        var target = new Argument<string>("CONTAINER");
        var cmd = new Command("logs", "Fetch the logs of a container") { follow, tail, since, until, timestamps, details, target };
        cmd.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            var c = engine.Inspect(p.GetValue(target)!);
            if (c.HostConfig.LogConfig.Type == "none") throw new InvalidParameterException("configured logging driver does not support reading");
            var now = DateTime.UtcNow;
            DateTime? from = p.GetValue(since) is { } s ? Units.ParseTimestamp(s, now) : null;
            DateTime? to = p.GetValue(until) is { } u ? Units.ParseTimestamp(u, now) : null;
            var tailText = p.GetValue(tail) ?? "all";
            int tailN = -1;
            if (tailText != "all" && (!int.TryParse(tailText, out tailN))) tailN = -1;
            var ts = p.GetValue(timestamps);
            using var stdout = new BufferedStream(Quai.Cli.Output.StdStreams.OpenOut(), 1 << 16); // flushed after each read: one write per batch, not per line
            using var stderr = new BufferedStream(Quai.Cli.Output.StdStreams.OpenErr(), 1 << 16);
            void Emit(LogEntry e)
            {
                var time = Times.Parse(e.Time);
                if (from is { } f && time < f) return;
                if (to is { } t && time > t) return;
                var text = ts ? Quai.Engine.Logs.Timestamps.NanoFixed(e.Time) + " " + e.Log : e.Log;
                var bytes = Encoding.UTF8.GetBytes(text);
                (e.Stream == "stderr" ? stderr : stdout).Write(bytes);
            }
            using var log = new JsonFileLogFollower(c.LogPath);
            var entries = log.History();
            var start = tailN >= 0 ? Math.Max(0, entries.Count - tailN) : 0;
            for (var i = start; i < entries.Count; i++) Emit(entries[i]);
            stdout.Flush();
            stderr.Flush();
            if (!p.GetValue(follow)) return 0;
            Follow(engine, c, log, Emit, stdout, stderr, to);
            return 0;
        }));
        return cmd;
    }

    /// <summary>Polls the log until the container is down and nothing more comes (or --until passes).</summary>
    private static void Follow(ContainerEngine engine, Container c, JsonFileLogFollower log, Action<LogEntry> emit, Stream stdout, Stream stderr, DateTime? until)
    {
        var idleAfterStop = 0;
        while (true)
        {
            var got = log.Poll();
            foreach (var e in got) emit(e);
            stdout.Flush();
            stderr.Flush();
            if (until is { } u && DateTime.UtcNow > u) return;
            if (got.Count == 0)
            {
                var state = engine.Store.TryLoad(c.Id);
                if (state is null) return;
                if (!ContainerEngine.IsActive(engine.Refresh(state).State) && !engine.MonitorAlive(state))
                {
                    if (++idleAfterStop > 2) return;
                }
                Thread.Sleep(20);
            }
        }
    }

}
