using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Quai.Daemon.Api;
using Quai.Daemon.Shapes;
using Quai.Engine;
using Quai.Engine.Containers;

namespace Quai.Daemon.Endpoints;

/// <summary>The container endpoints: each calls the engine as the matching CLI command does
/// (src/Quai.Cli/Commands/Containers) and answers in dockerd's shapes and status codes.</summary>
public static class ContainerEndpoints
{
    public static void Map(IEndpointRouteBuilder app, DaemonServer d)
    {
        app.MapGet("/containers/json", ctx => List(ctx, d));
        app.MapPost("/containers/create", ctx => Create(ctx, d));
        app.MapPost("/containers/prune", ctx => Prune(ctx, d));
        app.MapGet("/containers/{id}/json", ctx => Inspect(ctx, d));
        app.MapPost("/containers/{id}/start", ctx => Start(ctx, d));
        app.MapPost("/containers/{id}/stop", ctx => Stop(ctx, d, restart: false));
        app.MapPost("/containers/{id}/restart", ctx => Stop(ctx, d, restart: true));
        app.MapPost("/containers/{id}/kill", ctx => Simple(ctx, d, (e, id) => e.Kill(id, Reply.Query(ctx, "signal") is { Length: > 0 } s ? s : null)));
        app.MapPost("/containers/{id}/pause", ctx => Simple(ctx, d, (e, id) => e.Pause(id)));
        app.MapPost("/containers/{id}/unpause", ctx => Simple(ctx, d, (e, id) => e.Unpause(id)));
        app.MapPost("/containers/{id}/rename", ctx => Simple(ctx, d, (e, id) =>
            e.Rename(id, Reply.Query(ctx, "name") is { Length: > 0 } n ? n : throw new ApiException(400, "invalid name: the new name is required (name=…)"))));
        app.MapPost("/containers/{id}/wait", ctx => Wait(ctx, d));
        app.MapDelete("/containers/{id}", ctx => Remove(ctx, d));
        app.MapGet("/containers/{id}/logs", ctx => LogsEndpoint.Logs(ctx, d));
        app.MapGet("/containers/{id}/top", ctx => TopEndpoint.Top(ctx, d));
    }

    private static string Id(HttpContext ctx) => (string)ctx.Request.RouteValues["id"]!;

    private static async Task List(HttpContext ctx, DaemonServer d)
    {
        var all = Reply.Bool(ctx, "all");
        var limit = Reply.Int(ctx, "limit") ?? -1;
        var filters = Reply.Filters(ctx);
        foreach (var key in filters.Keys)
            if (key is not ("id" or "name" or "status" or "label" or "exited" or "ancestor"))
                throw new ApiException(400, $"invalid filter '{key}'");
        foreach (var s in filters.GetValueOrDefault("status") ?? [])
            if (s is not ("created" or "restarting" or "running" or "removing" or "paused" or "exited" or "dead"))
                throw new ApiException(400, $"invalid filter 'status={s}'");
        using var engine = d.OpenEngine();
        var list = engine.List();
        if (!all && limit <= 0 && !filters.ContainsKey("status") && !filters.ContainsKey("exited"))
            list = list.Where(c => c.State.Status is "running" or "paused" or "restarting" or "removing").ToList();
        list = list.Where(c => Matches(c, filters)).ToList();
        if (limit > 0) list = list.Take(limit).ToList();
        var now = DateTime.UtcNow;
        await Reply.Json(ctx, w =>
        {
            w.WriteStartArray();
            foreach (var c in list) ContainerShapes.Summary(w, c, now);
            w.WriteEndArray();
        });
    }

    /// <summary>Docker's container filters: every key must match (values of one key: any).</summary>
    private static bool Matches(Container c, Dictionary<string, List<string>> filters)
    {
        foreach (var (key, values) in filters)
        {
            if (values.Count == 0) continue;
            var ok = key switch
            {
                "id" => values.Any(v => c.Id.StartsWith(v, StringComparison.Ordinal)),
                "name" => values.Any(v => SafeRegex(v, c.PlainName)),
                "status" => values.Contains(c.State.Status),
                "exited" => c.State.Status == "exited" && values.Any(v => v == c.State.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                "label" => values.All(v => v.IndexOf('=') is var eq and > 0
                    ? c.Config.Labels.TryGetValue(v[..eq], out var lv) && lv == v[(eq + 1)..]
                    : c.Config.Labels.ContainsKey(v)),
                "ancestor" => values.Any(v => c.Config.Image == v || c.Image == v || c.Image.StartsWith("sha256:" + v, StringComparison.Ordinal)),
                _ => true,
            };
            if (!ok) return false;
        }
        return true;
    }

    private static bool SafeRegex(string pattern, string input)
    {
        try { return Regex.IsMatch(input, pattern, RegexOptions.None, TimeSpan.FromMilliseconds(100)); }
        catch (ArgumentException) { throw new ApiException(400, $"invalid filter 'name={pattern}': bad regular expression"); }
        catch (RegexMatchTimeoutException) { return false; }
    }

    private static async Task Create(HttpContext ctx, DaemonServer d)
    {
        using var body = await Reply.Body(ctx) ?? throw new ApiException(400, "config cannot be empty in order to create a container");
        var o = CreateRequest.Parse(body.RootElement, Reply.Query(ctx, "name"), Reply.Query(ctx, "platform"));
        using var engine = d.OpenEngine();
        var c = engine.Create(o);
        await Reply.Json(ctx, 201, w =>
        {
            w.WriteStartObject();
            w.WriteString("Id", c.Id);
            w.WriteStartArray("Warnings");
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static async Task Inspect(HttpContext ctx, DaemonServer d)
    {
        using var engine = d.OpenEngine();
        var c = engine.Inspect(Id(ctx));
        await Reply.Json(ctx, w => ContainerShapes.Inspect(w, c));
    }

    private static async Task Start(HttpContext ctx, DaemonServer d)
    {
        var name = Id(ctx);
        var started = await Task.Run(() =>
        {
            using var engine = d.OpenEngine();
            var id = engine.Store.Resolve(name);
            // a client attached before the start (docker run): the monitor waits for it, so no output is lost
            if (d.Attachments.TakePending(id) is { } pending) return AttachEndpoints.StartForAttach(engine, id, pending);
            using var h = engine.Start(id, waitForAttach: false);
            if (h.AlreadyRunning) return false;
            h.ExpectStarted();
            return true;
        });
        await Reply.NoContent(ctx, started ? 204 : 304);
    }

    private static async Task Stop(HttpContext ctx, DaemonServer d, bool restart)
    {
        var name = Id(ctx);
        var timeout = Reply.Int(ctx, "t");
        var signal = Reply.Query(ctx, "signal") is { Length: > 0 } s ? s : null;
        var status = await Task.Run(() =>
        {
            using var engine = d.OpenEngine();
            var c = engine.Inspect(name);
            if (!restart && !ContainerEngine.IsActive(c.State)) return 304;
            engine.Stop(c.Id, timeout, signal);
            if (restart)
            {
                using var h = engine.Start(c.Id, waitForAttach: false);
                h.ExpectStarted();
            }
            return 204;
        });
        await Reply.NoContent(ctx, status);
    }

    private static async Task Simple(HttpContext ctx, DaemonServer d, Action<ContainerEngine, string> action)
    {
        var name = Id(ctx);
        await Task.Run(() =>
        {
            using var engine = d.OpenEngine();
            action(engine, name);
        });
        await Reply.NoContent(ctx);
    }

    private static async Task Remove(HttpContext ctx, DaemonServer d)
    {
        var name = Id(ctx);
        var force = Reply.Bool(ctx, "force");
        var volumes = Reply.Bool(ctx, "v");
        if (Reply.Bool(ctx, "link")) throw new ApiException(400, "links are not supported");
        await Task.Run(() =>
        {
            using var engine = d.OpenEngine();
            engine.Remove(name, force, volumes);
        });
        await Reply.NoContent(ctx);
    }

    private static async Task Prune(HttpContext ctx, DaemonServer d)
    {
        var removed = await Task.Run(() =>
        {
            using var engine = d.OpenEngine();
            return engine.Prune();
        });
        await Reply.Json(ctx, w =>
        {
            w.WriteStartObject();
            Reply.StringList(w, "ContainersDeleted", removed);
            w.WriteNumber("SpaceReclaimed", 0);
            w.WriteEndObject();
        });
    }

    /// <summary>POST /wait: the answer's headers go out at once (the docker CLI waits for them before it
    /// starts the container), the body when the condition holds: not-running (default), next-exit (an exit
    /// after this request), removed.</summary>
    private static async Task Wait(HttpContext ctx, DaemonServer d)
    {
        var condition = Reply.Query(ctx, "condition") is { Length: > 0 } cond ? cond : "not-running";
        if (condition is not ("not-running" or "next-exit" or "removed"))
            throw new ApiException(400, $"invalid condition: \"{condition}\"");
        string id;
        Container first;
        using (var engine = d.OpenEngine())
        {
            id = engine.Store.Resolve(Id(ctx));
            first = engine.Inspect(id);
        }
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.StartAsync(ctx.RequestAborted);
        await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
        var ct = ctx.RequestAborted;
        var code = await Task.Run(() =>
        {
            using var engine = d.OpenEngine();
            var last = first.State.ExitCode;
            var seenActive = ContainerEngine.IsActive(first.State);
            var seenExit = false;
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                var c = engine.Store.TryLoad(id);
                if (c is null)
                {
                    // removed (--rm): the exit code an attached client got, when no poll saw the container exited
                    if (seenExit) return last;
                    for (var i = 0; i < 50 && d.Attachments.ExitOf(id) is null; i++) Thread.Sleep(20);
                    return d.Attachments.ExitOf(id) ?? last;
                }
                c = engine.Refresh(c);
                var active = ContainerEngine.IsActive(c.State) || c.State.Status == "created" && c.Quai.MonitorPid > 0 && engine.MonitorAlive(c);
                if (active) seenActive = true;
                else
                {
                    last = c.State.ExitCode;
                    if (c.State.FinishedAt != first.State.FinishedAt) seenExit = true;
                    var exitedSince = c.State.FinishedAt != first.State.FinishedAt;
                    if (condition == "not-running") return last;
                    if (condition == "next-exit" && (seenActive || exitedSince) ) return last;
                }
                Thread.Sleep(20);
            }
        }, ct);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("StatusCode", code);
            w.WriteNull("Error");
            w.WriteEndObject();
        }
        await ctx.Response.Body.WriteAsync(buffer.WrittenMemory, ct);
        await ctx.Response.Body.WriteAsync("\n"u8.ToArray(), ct);
    }
}
