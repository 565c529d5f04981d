using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Quai.Daemon.Api;
using Quai.Images;
using Quai.Oci.Image;

namespace Quai.Daemon.Endpoints;

/// <summary>The image endpoints over the image store, as the `quai image` commands use it. Image names hold
/// slashes (host:5000/team/app), so /images/{name}/… is one catch-all route split on its last segment.</summary>
public static class ImageEndpoints
{
    public static void Map(IEndpointRouteBuilder app, DaemonServer d)
    {
        app.MapGet("/images/json", ctx => List(ctx, d));
        app.MapPost("/images/load", ctx => Load(ctx, d));
        app.MapGet("/images/get", ctx => Save(ctx, d, ctx.Request.Query["names"].Where(n => n is { Length: > 0 }).Select(n => n!).ToList()));
        app.MapPost("/images/prune", ctx => Prune(ctx, d));
        app.MapMethods("/images/{**rest}", ["GET", "POST", "DELETE"], ctx => Dispatch(ctx, d));
    }

    private static Task Dispatch(HttpContext ctx, DaemonServer d)
    {
        var rest = (string?)ctx.Request.RouteValues["rest"] ?? "";
        var method = ctx.Request.Method;
        if (HttpMethods.IsDelete(method) && rest.Length > 0) return Remove(ctx, d, rest);
        var slash = rest.LastIndexOf('/');
        if (slash <= 0) return ApiError.Write(ctx, 404, "page not found");
        var (name, verb) = (rest[..slash], rest[(slash + 1)..]);
        return (method, verb) switch
        {
            ("GET", "json") => Inspect(ctx, d, name),
            ("GET", "history") => History(ctx, d, name),
            ("GET", "get") => Save(ctx, d, [name]),
            ("POST", "tag") => Tag(ctx, d, name),
            _ => ApiError.Write(ctx, 404, "page not found"),
        };
    }

    private static string Familiar(string tag) => Reference.Parse(tag).ToFamiliarString();

    private static long Unix(DateTimeOffset? t) => t?.ToUnixTimeSeconds() ?? 0;

    private static async Task List(HttpContext ctx, DaemonServer d)
    {
        var all = Reply.Bool(ctx, "all");
        var filters = Reply.Filters(ctx);
        foreach (var key in filters.Keys)
            if (key is not ("dangling" or "label" or "reference"))
                throw new ApiException(400, $"invalid filter '{key}'");
        using var store = ImageStore.Open(d.Options.Store);
        var inUse = store.ImagesInUse();
        var digests = store.Metadata.AllRepoDigests().ToLookup(x => x.ImageId, x => x.Name);
        var rows = new List<(Quai.Images.Metadata.ImageRecord Image, List<string> Tags, List<string> Digests)>();
        foreach (var (img, tags) in store.List().OrderByDescending(i => i.Image.Created ?? i.Image.Added))
        {
            var pulledAs = digests[img.Id].ToList();
            if (tags.Count == 0 && pulledAs.Count == 0 && img.BuildStep && !all) continue;
            if (filters.TryGetValue("dangling", out var dangling) && dangling.Count > 0 && (tags.Count == 0) != (dangling[0] is "true" or "1")) continue;
            if (filters.TryGetValue("reference", out var refs) && refs.Count > 0 &&
                !tags.Any(t => refs.Any(r => ReferenceMatches(Familiar(t), r)))) continue;
            if (filters.TryGetValue("label", out var labels) && labels.Count > 0)
            {
                var have = store.Describe(img).Config.Config?.Labels ?? [];
                if (!labels.All(l => l.IndexOf('=') is var eq and > 0 ? have.TryGetValue(l[..eq], out var v) && v == l[(eq + 1)..] : have.ContainsKey(l))) continue;
            }
            rows.Add((img, tags, pulledAs));
        }
        await Reply.Json(ctx, w =>
        {
            w.WriteStartArray();
            foreach (var (img, tags, pulledAs) in rows)
            {
                w.WriteStartObject();
                w.WriteString("Id", img.Id);
                w.WriteString("ParentId", "");
                Reply.StringList(w, "RepoTags", tags.Select(Familiar));
                Reply.StringList(w, "RepoDigests", pulledAs.Select(x => Reference.ParseNormalized(x).ToFamiliarString()));
                w.WriteNumber("Created", Unix(img.Created ?? img.Added));
                w.WriteNumber("Size", img.Size);
                w.WriteNumber("SharedSize", -1);
                if (ApiVersion.Of(ctx) < new Version(1, 44)) w.WriteNumber("VirtualSize", img.Size);
                w.WriteStartObject("Labels");
                w.WriteEndObject();
                w.WriteNumber("Containers", inUse.Contains(img.Id) ? 1 : 0);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    }

    /// <summary>The reference filter: the repository (and tag) with shell-style * wildcards.</summary>
    private static bool ReferenceMatches(string familiar, string pattern)
    {
        var candidates = pattern.Contains(':') ? [familiar] : new[] { familiar, familiar.Split(':')[0] };
        var regex = "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", "[^/]*") + "$";
        return candidates.Any(c => System.Text.RegularExpressions.Regex.IsMatch(c, regex));
    }

    private static async Task Inspect(HttpContext ctx, DaemonServer d, string name)
    {
        using var store = ImageStore.Open(d.Options.Store);
        var image = store.Resolve(name);
        var rec = image.Record;
        var c = image.Config;
        await Reply.Json(ctx, w =>
        {
            w.WriteStartObject();
            w.WriteString("Id", rec.Id);
            Reply.StringList(w, "RepoTags", image.Tags.Select(Familiar));
            Reply.StringList(w, "RepoDigests", store.RepoDigests(rec.Id).Select(x => Reference.ParseNormalized(x).ToFamiliarString()));
            w.WriteString("Parent", "");
            w.WriteString("Comment", c.Comment ?? c.History?.LastOrDefault()?.Comment ?? "");
            w.WriteString("Created", c.Created is { } cr ? cr.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", System.Globalization.CultureInfo.InvariantCulture) : "");
            w.WriteString("DockerVersion", c.DockerVersion ?? "");
            w.WriteString("Author", c.Author ?? "");
            w.WritePropertyName("Config");
            if (c.Config is null) w.WriteNullValue();
            else JsonSerializer.Serialize(w, c.Config, ImageJson.Relaxed.ContainerConfig);
            w.WriteString("Architecture", c.Architecture);
            if (c.Variant is not null) w.WriteString("Variant", c.Variant);
            w.WriteString("Os", c.Os);
            w.WriteNumber("Size", rec.Size);
            w.WriteStartObject("GraphDriver");
            w.WriteStartObject("Data");
            w.WriteString("Snapshotter", store.Snapshotter.Name);
            w.WriteEndObject();
            w.WriteString("Name", store.Snapshotter is Quai.Images.Snapshots.OverlaySnapshotter ? "overlay2" : "vfs");
            w.WriteEndObject();
            w.WriteStartObject("RootFS");
            w.WriteString("Type", c.RootFs.Type);
            Reply.StringList(w, "Layers", c.RootFs.DiffIds);
            w.WriteEndObject();
            w.WriteStartObject("Metadata");
            w.WriteString("LastTagTime", "0001-01-01T00:00:00Z");
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    private static async Task History(HttpContext ctx, DaemonServer d, string name)
    {
        using var store = ImageStore.Open(d.Options.Store);
        var image = store.Resolve(name);
        var sizes = store.LayerSizes(image.Record);
        var history = image.Config.History ?? [];
        if (history.Count == 0) history = image.Config.RootFs.DiffIds.Select(_ => new HistoryEntry()).ToList();
        var rows = new List<(string Id, long Created, string CreatedBy, long Size, string Comment)>();
        var layer = 0;
        foreach (var e in history)
        {
            var size = e.EmptyLayer == true ? 0 : layer < sizes.Count ? sizes[layer++] : 0;
            rows.Add(("<missing>", Unix(e.Created), e.CreatedBy ?? "", size, e.Comment ?? ""));
        }
        rows.Reverse();
        await Reply.Json(ctx, w =>
        {
            w.WriteStartArray();
            for (var i = 0; i < rows.Count; i++)
            {
                w.WriteStartObject();
                w.WriteString("Id", i == 0 ? image.Record.Id : rows[i].Id);
                w.WriteNumber("Created", rows[i].Created);
                w.WriteString("CreatedBy", rows[i].CreatedBy);
                Reply.StringList(w, "Tags", i == 0 ? image.Tags.Select(Familiar) : null);
                w.WriteNumber("Size", rows[i].Size);
                w.WriteString("Comment", rows[i].Comment);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    }

    private static async Task Remove(HttpContext ctx, DaemonServer d, string name)
    {
        var force = Reply.Bool(ctx, "force");
        var noprune = Reply.Bool(ctx, "noprune");
        var result = await Task.Run(() =>
        {
            using var engine = d.OpenEngine(); // the engine's store: rmi refuses images containers use
            return engine.Images.Remove(name, force, !noprune);
        });
        await Reply.Json(ctx, w =>
        {
            w.WriteStartArray();
            foreach (var u in result.Untagged) { w.WriteStartObject(); w.WriteString("Untagged", u); w.WriteEndObject(); }
            foreach (var x in result.Deleted) { w.WriteStartObject(); w.WriteString("Deleted", x); w.WriteEndObject(); }
            w.WriteEndArray();
        });
    }

    private static async Task Tag(HttpContext ctx, DaemonServer d, string name)
    {
        var repo = Reply.Query(ctx, "repo");
        if (string.IsNullOrEmpty(repo)) throw new ApiException(400, "repository name must have at least one component");
        var tag = Reply.Query(ctx, "tag");
        var target = string.IsNullOrEmpty(tag) ? repo : repo + ":" + tag;
        using (var store = ImageStore.Open(d.Options.Store)) store.Tag(name, target);
        await Reply.NoContent(ctx, 201);
    }

    private static async Task Prune(HttpContext ctx, DaemonServer d)
    {
        var filters = Reply.Filters(ctx);
        var all = filters.TryGetValue("dangling", out var dangling) && dangling.Count > 0 && dangling[0] is "false" or "0";
        var result = await Task.Run(() =>
        {
            using var engine = d.OpenEngine();
            return engine.Images.Prune(all);
        });
        await Reply.Json(ctx, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("ImagesDeleted");
            foreach (var u in result.Untagged) { w.WriteStartObject(); w.WriteString("Untagged", u); w.WriteEndObject(); }
            foreach (var x in result.Deleted) { w.WriteStartObject(); w.WriteString("Deleted", x); w.WriteEndObject(); }
            w.WriteEndArray();
            w.WriteNumber("SpaceReclaimed", result.BytesReclaimed);
            w.WriteEndObject();
        });
    }

    /// <summary>POST /images/load: the tarball in the body, read as `quai load` reads stdin; the answer is
    /// Docker's JSON message stream ({"stream":"Loaded image: …\n"}), or a plain line with quiet.</summary>
    private static async Task Load(HttpContext ctx, DaemonServer d)
    {
        var quiet = Reply.Bool(ctx, "quiet");
        Platform? platform = null;
        if (Reply.Query(ctx, "platform") is { Length: > 0 } p)
        {
            try { platform = p.StartsWith('{') ? PlatformFromJson(p) : Platform.Parse(p); }
            catch (FormatException e) { throw new ApiException(400, $"invalid platform {p}: {e.Message}"); }
        }
        ctx.Features.Get<IHttpBodyControlFeature>()!.AllowSynchronousIO = true; // the archive reader reads synchronously
        List<Quai.Images.Archives.LoadedImage> loaded;
        try
        {
            loaded = await Task.Run(() =>
            {
                using var store = ImageStore.Open(d.Options.Store);
                return store.Load(ctx.Request.Body, platform);
            });
        }
        catch (Exception e) when (e is InvalidDataException or Quai.Fs.TarFormatException or EndOfStreamException or FormatException)
        {
            throw new ApiException(400, $"load: {e.Message}");
        }
        var lines = new List<string>();
        foreach (var img in loaded)
        {
            if (img.Tags.Count == 0) lines.Add($"Loaded image ID: {img.Id}");
            foreach (var t in img.Tags) lines.Add($"Loaded image: {t.ToFamiliarString()}");
        }
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        foreach (var line in lines)
        {
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                w.WriteString("stream", line + "\n");
                w.WriteEndObject();
            }
            System.Buffers.BuffersExtensions.Write(buffer, "\r\n"u8);
        }
        await ctx.Response.Body.WriteAsync(buffer.WrittenMemory);
    }

    private static Platform PlatformFromJson(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var r = doc.RootElement;
        var text = $"{Reply.String(r, "os") ?? "linux"}/{Reply.String(r, "architecture") ?? "amd64"}";
        if (Reply.String(r, "variant") is { Length: > 0 } v) text += "/" + v;
        return Platform.Parse(text);
    }

    /// <summary>GET /images/get and /images/{name}/get: a docker-archive of the images, as `quai save` writes it.</summary>
    private static async Task Save(HttpContext ctx, DaemonServer d, List<string> names)
    {
        if (names.Count == 0) throw new ApiException(400, "no image names given (names=…)");
        using var store = ImageStore.Open(d.Options.Store);
        foreach (var n in names) store.Find(n); // a missing image is a 404 before the archive starts
        ctx.Features.Get<IHttpBodyControlFeature>()!.AllowSynchronousIO = true;
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/x-tar";
        await Task.Run(() => store.Save(names, ctx.Response.Body));
    }
}
