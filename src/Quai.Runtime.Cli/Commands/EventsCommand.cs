using Quai.Runtime;
using System.CommandLine;
using System.Text.Json;
using Quai.Runtime.Cgroups;
using Quai.Runtime.Containers;

namespace Quai.Runtime.Cli.Commands;

/// <summary>`events`: the container's resource statistics (once with --stats, else every
/// --interval) and OOM events, one JSON object per line, until the container stops.</summary>
public static class EventsCommand
{
    public static Command Build()
    {
        var cmd = new Command("events", "display container events such as OOM notifications, cpu, memory, and IO usage statistics");
        var stats = new Option<bool>("--stats") { Description = "display the container's stats then exit" };
        var interval = new Option<string>("--interval") { Description = "set the stats collection interval", DefaultValueFactory = _ => "5s" };
        cmd.Options.Add(stats);
        cmd.Options.Add(interval);
        var id = new Argument<string>("container-id");
        cmd.Arguments.Add(id);
        cmd.SetAction(p => Globals.Run(p, () =>
        {
            var runtime = Globals.Runtime(p);
            var name = p.GetValue(id)!;
            var record = runtime.Store.Load(name);
            if (runtime.Status(record) == ContainerStatus.Stopped) throw new RuntimeException($"container with id {name} is not running");
            if (p.GetValue(stats))
            {
                Emit("stats", name, runtime.Stats(name, out _));
                return 0;
            }
            var every = ParseDuration(p.GetValue(interval)!);
            runtime.Stats(name, out var lastOom);
            var nextStats = DateTime.UtcNow;
            while (runtime.Status(runtime.Store.Load(name)) != ContainerStatus.Stopped)
            {
                var s = runtime.Stats(name, out var oom);
                if (oom > lastOom) { Emit("oom", name, null); lastOom = oom; }
                if (DateTime.UtcNow >= nextStats) { Emit("stats", name, s); nextStats = DateTime.UtcNow + every; }
                Thread.Sleep(TimeSpan.FromMilliseconds(Math.Min(200, every.TotalMilliseconds)));
            }
            return 0;
        }));
        return cmd;
    }

    private static void Emit(string type, string id, CgroupStats? stats)
    {
        var msg = new EventMessage
        {
            Type = type, Id = id,
            Data = stats is null ? null : JsonSerializer.SerializeToElement(stats, CgroupJsonContext.Default.CgroupStats),
        };
        Console.Out.WriteLine(JsonSerializer.Serialize(msg, CliJsonContext.Default.EventMessage));
        Console.Out.Flush();
    }

    public static TimeSpan ParseDuration(string text)
    {
        var t = text.Trim();
        double Num(int cut) => double.Parse(t[..^cut], System.Globalization.CultureInfo.InvariantCulture);
        TimeSpan d = t.EndsWith("ms") ? TimeSpan.FromMilliseconds(Num(2)) : t.EndsWith('s') ? TimeSpan.FromSeconds(Num(1))
            : t.EndsWith('m') ? TimeSpan.FromMinutes(Num(1)) : t.EndsWith('h') ? TimeSpan.FromHours(Num(1))
            : throw new RuntimeException($"invalid duration \"{text}\"");
        if (d <= TimeSpan.Zero) throw new RuntimeException("duration interval must be greater than 0");
        return d;
    }
}
