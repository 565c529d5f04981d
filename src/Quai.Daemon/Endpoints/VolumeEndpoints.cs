using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Quai.Daemon.Api;
using Quai.Engine.Containers;
using Quai.Engine.Volumes;

namespace Quai.Daemon.Endpoints;

/// <summary>Local volumes: list, create, inspect, remove, prune, as `quai volume` does them.</summary>
public static class VolumeEndpoints
{
    public static void Map(IEndpointRouteBuilder app, DaemonServer d)
    {
        app.MapGet("/volumes", ctx => List(ctx, d));
        app.MapPost("/volumes/create", ctx => Create(ctx, d));
        app.MapPost("/volumes/prune", ctx => Prune(ctx, d));
        app.MapGet("/volumes/{name}", ctx => Inspect(ctx, d));
        app.MapDelete("/volumes/{name}", ctx => Remove(ctx, d));
    }

    private static string Name(HttpContext ctx) => (string)ctx.Request.RouteValues["name"]!;

    private static void Write(Utf8JsonWriter w, Volume v) => JsonSerializer.Serialize(w, v, EngineJsonContext.Default.Volume);

    private static async Task List(HttpContext ctx, DaemonServer d)
    {
        var filters = Reply.Filters(ctx);
        foreach (var key in filters.Keys)
            if (key is not ("name" or "label" or "dangling" or "driver"))
                throw new ApiException(400, $"invalid filter '{key}'");
        using var engine = d.OpenEngine();
        var used = filters.ContainsKey("dangling") ? engine.Store.All().SelectMany(c => c.Mounts).Where(m => m.Name is not null).Select(m => m.Name!).ToHashSet() : [];
        var list = engine.Volumes.List().Where(v =>
            (!filters.TryGetValue("name", out var names) || names.Count == 0 || names.Any(n => v.Name.Contains(n, StringComparison.Ordinal))) &&
            (!filters.TryGetValue("driver", out var drivers) || drivers.Count == 0 || drivers.Contains(v.Driver)) &&
            (!filters.TryGetValue("label", out var labels) || labels.All(l => l.IndexOf('=') is var eq and > 0
                ? v.Labels.TryGetValue(l[..eq], out var lv) && lv == l[(eq + 1)..] : v.Labels.ContainsKey(l))) &&
            (!filters.TryGetValue("dangling", out var dangling) || dangling.Count == 0 || used.Contains(v.Name) != (dangling[0] is "true" or "1"))).ToList();
        await Reply.Json(ctx, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("Volumes");
            foreach (var v in list) Write(w, v);
            w.WriteEndArray();
            w.WriteNull("Warnings");
            w.WriteEndObject();
        });
    }

    private static async Task Create(HttpContext ctx, DaemonServer d)
    {
        using var body = await Reply.Body(ctx);
        var root = body?.RootElement ?? default;
        if (body is not null && root.ValueKind != JsonValueKind.Object) throw new ApiException(400, "invalid JSON: the volume config must be an object");
        var name = body is null ? null : Reply.String(root, "Name");
        var driver = body is null ? null : Reply.String(root, "Driver");
        if (driver is { Length: > 0 } && driver != "local") throw new ApiException(404, $"error looking up volume plugin {driver}: plugin \"{driver}\" not found");
        if (body is not null && Reply.Map(root, "DriverOpts") is { Count: > 0 }) throw new ApiException(400, "volume driver options are not supported yet (local volumes are plain directories)");
        var labels = body is null ? null : Reply.Map(root, "Labels");
        using var engine = d.OpenEngine();
        var v = engine.Volumes.Create(name, labels);
        await Reply.Json(ctx, 201, w => Write(w, v));
    }

    private static async Task Inspect(HttpContext ctx, DaemonServer d)
    {
        using var engine = d.OpenEngine();
        var v = engine.Volumes.Get(Name(ctx));
        await Reply.Json(ctx, w => Write(w, v));
    }

    private static async Task Remove(HttpContext ctx, DaemonServer d)
    {
        var force = Reply.Bool(ctx, "force");
        using (var engine = d.OpenEngine())
        {
            var n = Name(ctx);
            engine.Volumes.Remove(n, engine.VolumeUsers(n), force);
        }
        await Reply.NoContent(ctx);
    }

    private static async Task Prune(HttpContext ctx, DaemonServer d)
    {
        var filters = Reply.Filters(ctx);
        var all = filters.TryGetValue("all", out var a) && a.Count > 0 && a[0] is "true" or "1";
        var removed = new List<string>();
        using (var engine = d.OpenEngine())
        {
            var used = engine.Store.All().SelectMany(c => c.Mounts).Where(m => m.Name is not null).Select(m => m.Name!).ToHashSet();
            foreach (var v in engine.Volumes.List())
            {
                if (used.Contains(v.Name)) continue;
                if (!all && !v.Labels.ContainsKey("com.docker.volume.anonymous")) continue;
                try { engine.Volumes.Remove(v.Name, []); removed.Add(v.Name); } catch (Exception e) when (e is IOException or ConflictException or NotFoundException) { }
            }
        }
        await Reply.Json(ctx, w =>
        {
            w.WriteStartObject();
            Reply.StringList(w, "VolumesDeleted", removed);
            w.WriteNumber("SpaceReclaimed", 0);
            w.WriteEndObject();
        });
    }
}
