using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Quai.Daemon.Api;
using Quai.Engine;
using Quai.Engine.Containers;
using Quai.Engine.Logs;

namespace Quai.Daemon.Endpoints;

/// <summary>GET /containers/{id}/logs: the json-file log as `quai logs` reads it (rotated files too), in
/// Docker's multiplexed frames unless the container has a TTY; follow polls until the container is down.</summary>
public static partial class LogsEndpoint
{
    public static async Task Logs(HttpContext ctx, DaemonServer d)
    {
        var stdout = Reply.Bool(ctx, "stdout");
        var stderr = Reply.Bool(ctx, "stderr");
        if (!stdout && !stderr) throw new ApiException(400, "Bad parameters: you must choose at least one stream");
        var follow = Reply.Bool(ctx, "follow");
        var timestamps = Reply.Bool(ctx, "timestamps");
        var tailText = Reply.Query(ctx, "tail") ?? "all";
        var tail = tailText is "all" or "" ? -1 : int.TryParse(tailText, out var n) && n >= 0 ? n : -1;
        var since = UnixTime(Reply.Query(ctx, "since"), "since");
        var until = UnixTime(Reply.Query(ctx, "until"), "until");
        var engine = d.OpenEngine();
        try
        {
            var c = engine.Inspect((string)ctx.Request.RouteValues["id"]!);
            var tty = c.Config.Tty;
            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = StreamFrames.ContentType(tty, ApiVersion.Of(ctx));
            await ctx.Response.StartAsync(ctx.RequestAborted);
            var body = ctx.Response.Body;
            var ct = ctx.RequestAborted;
            async Task Emit(IEnumerable<LogEntry> entries)
            {
                using var batch = new MemoryStream();
                foreach (var e in entries)
                {
                    var isErr = e.Stream == "stderr";
                    if (isErr ? !stderr : !stdout) continue;
                    var time = Times.Parse(e.Time);
                    if (since is { } s && time < s) continue;
                    if (until is { } u && time > u) continue;
                    var text = timestamps ? Quai.Engine.Logs.Timestamps.NanoFixed(e.Time) + " " + e.Log : e.Log;
                    var bytes = Encoding.UTF8.GetBytes(text);
                    batch.Write(tty ? bytes : StreamFrames.Frame(isErr ? (byte)2 : (byte)1, bytes));
                }
                if (batch.Length == 0) return;
                await body.WriteAsync(batch.GetBuffer().AsMemory(0, (int)batch.Length), ct);
                await body.FlushAsync(ct);
            }
            using var log = new JsonFileLogFollower(c.LogPath);
            var history = log.History();
            await Emit(tail >= 0 ? history.Skip(Math.Max(0, history.Count - tail)) : history);
            if (!follow) return;
            var idleAfterStop = 0;
            while (!ct.IsCancellationRequested)
            {
                var got = log.Poll();
                await Emit(got);
                if (until is { } u && DateTime.UtcNow > u) return;
                if (got.Count > 0) continue;
                var state = engine.Store.TryLoad(c.Id);
                if (state is null) return;
                if (!ContainerEngine.IsActive(engine.Refresh(state).State) && !engine.MonitorAlive(state) && ++idleAfterStop > 2) return;
                await Task.Delay(50, ct);
            }
        }
        finally { engine.Dispose(); }
    }

    /// <summary>since/until: Unix seconds, optionally with a fraction ("1700000000.123456789"); 0 or absent is none.</summary>
    private static DateTime? UnixTime(string? text, string name)
    {
        if (string.IsNullOrEmpty(text)) return null;
        if (!decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
            throw new ApiException(400, $"invalid value for {name}: {text}: expected Unix seconds");
        if (seconds == 0) return null;
        return DateTime.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond));
    }
}
