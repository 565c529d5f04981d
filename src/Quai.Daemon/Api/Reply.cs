using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Quai.Daemon.Api;

/// <summary>Writing answers (JSON built with a Utf8JsonWriter: no reflection, NativeAOT-safe) and reading the
/// query parameters and bodies of requests, with Docker's conventions (booleans "1"/"true", bad values a 400).</summary>
public static class Reply
{
    public static async Task Json(HttpContext ctx, int status, Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer)) body(w);
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        ctx.Response.ContentLength = buffer.WrittenCount + 1;
        await ctx.Response.Body.WriteAsync(buffer.WrittenMemory);
        await ctx.Response.Body.WriteAsync("\n"u8.ToArray());
    }

    public static Task Json(HttpContext ctx, Action<Utf8JsonWriter> body) => Json(ctx, 200, body);

    public static Task NoContent(HttpContext ctx, int status = 204)
    {
        ctx.Response.StatusCode = status;
        return Task.CompletedTask;
    }

    public static string? Query(HttpContext ctx, string name) =>
        ctx.Request.Query.TryGetValue(name, out var v) && v.Count > 0 ? v[^1] : null;

    /// <summary>Docker's boolean query values: "1", "true", "True" are true; absent is <paramref name="fallback"/>.</summary>
    public static bool Bool(HttpContext ctx, string name, bool fallback = false)
    {
        var v = Query(ctx, name);
        if (v is null) return fallback;
        return v switch
        {
            "1" or "true" or "True" or "TRUE" or "t" or "T" => true,
            "" or "0" or "false" or "False" or "FALSE" or "f" or "F" => false,
            _ => throw new ApiException(400, $"invalid value for {name}: {v}: strconv.ParseBool: parsing \"{v}\": invalid syntax"),
        };
    }

    public static int? Int(HttpContext ctx, string name)
    {
        var v = Query(ctx, name);
        if (string.IsNullOrEmpty(v)) return null;
        return int.TryParse(v, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n
            : throw new ApiException(400, $"invalid value for {name}: {v}: strconv.Atoi: parsing \"{v}\": invalid syntax");
    }

    /// <summary>The body as a JSON document (null when empty); malformed JSON is a 400 naming the problem.</summary>
    public static async Task<JsonDocument?> Body(HttpContext ctx, long limit = 16 << 20)
    {
        if (ctx.Request.ContentLength is > 0 and var n && n > limit) throw new ApiException(413, $"request body too large: {n} bytes (at most {limit})");
        using var ms = new MemoryStream();
        var buf = new byte[16384];
        int read;
        while ((read = await ctx.Request.Body.ReadAsync(buf, ctx.RequestAborted)) > 0)
        {
            ms.Write(buf, 0, read);
            if (ms.Length > limit) throw new ApiException(413, $"request body too large (at most {limit} bytes)");
        }
        if (ms.Length == 0) return null;
        try { return JsonDocument.Parse(ms.ToArray()); }
        catch (JsonException e) { throw new ApiException(400, $"invalid JSON: {e.Message}"); }
    }

    /// <summary>Docker's `filters` parameter: {"key":["v",…]} or the old {"key":{"v":true}}.</summary>
    public static Dictionary<string, List<string>> Filters(HttpContext ctx)
    {
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var text = Query(ctx, "filters");
        if (string.IsNullOrEmpty(text)) return result;
        JsonDocument doc;
        try { doc = JsonDocument.Parse(text); }
        catch (JsonException e) { throw new ApiException(400, $"invalid filter: {e.Message}"); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new ApiException(400, "invalid filter: the filters must be a JSON object");
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                var values = new List<string>();
                if (p.Value.ValueKind == JsonValueKind.Array)
                    values.AddRange(p.Value.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText()));
                else if (p.Value.ValueKind == JsonValueKind.Object)
                    values.AddRange(p.Value.EnumerateObject().Where(v => v.Value.ValueKind == JsonValueKind.True).Select(v => v.Name));
                else throw new ApiException(400, $"invalid filter: the values of '{p.Name}' must be a list");
                result[p.Name] = values;
            }
        }
        return result;
    }

    public static string? String(JsonElement e, string name) =>
        Get(e, name) is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;

    public static bool BoolOf(JsonElement e, string name) => Get(e, name) is { ValueKind: JsonValueKind.True };

    /// <summary>A property, matched case-insensitively as Go's encoding/json does; null when absent or JSON null.</summary>
    public static JsonElement? Get(JsonElement e, string name)
    {
        if (e.ValueKind != JsonValueKind.Object) return null;
        if (e.TryGetProperty(name, out var exact)) return exact.ValueKind == JsonValueKind.Null ? null : exact;
        foreach (var p in e.EnumerateObject())
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)) return p.Value.ValueKind == JsonValueKind.Null ? null : p.Value;
        return null;
    }

    /// <summary>A list of strings; a single string is a one-element list (Docker's strslice).</summary>
    public static List<string>? Strings(JsonElement e, string name)
    {
        if (Get(e, name) is not { } v) return null;
        return v.ValueKind switch
        {
            JsonValueKind.String => [v.GetString()!],
            JsonValueKind.Array => v.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()!
                : throw new ApiException(400, $"invalid JSON: {name}: expected a list of strings")).ToList(),
            _ => throw new ApiException(400, $"invalid JSON: {name}: expected a list of strings"),
        };
    }

    public static Dictionary<string, string>? Map(JsonElement e, string name)
    {
        if (Get(e, name) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Object) throw new ApiException(400, $"invalid JSON: {name}: expected an object of strings");
        return v.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()!
            : throw new ApiException(400, $"invalid JSON: {name}.{p.Name}: expected a string"));
    }

    public static void StringMap(Utf8JsonWriter w, string name, IReadOnlyDictionary<string, string>? map)
    {
        w.WriteStartObject(name);
        foreach (var (k, v) in map ?? new Dictionary<string, string>()) w.WriteString(k, v);
        w.WriteEndObject();
    }

    public static void StringList(Utf8JsonWriter w, string name, IEnumerable<string>? list)
    {
        if (list is null) { w.WriteNull(name); return; }
        w.WriteStartArray(name);
        foreach (var s in list) w.WriteStringValue(s);
        w.WriteEndArray();
    }
}
