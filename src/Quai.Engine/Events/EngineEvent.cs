using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Quai.Engine.Events;

/// <summary>One event as dockerd's <c>/events</c> sends it: <c>Type</c> (container, image, volume, network…),
/// <c>Action</c> (start, die, tag…), <c>Actor</c> (the object's ID and its attributes: name, image, exitCode…),
/// <c>scope</c> ("local"), <c>time</c> (Unix seconds) and <c>timeNano</c> (Unix nanoseconds).</summary>
public sealed record EngineEvent(string Type, string Action, string ActorId, IReadOnlyDictionary<string, string> Attributes, long TimeNano)
{
    public string Scope => "local";

    public long Time => TimeNano / 1_000_000_000;

    public DateTimeOffset Timestamp => DateTimeOffset.UnixEpoch.AddTicks(TimeNano / 100);

    public static EngineEvent Now(string type, string action, string actorId, IReadOnlyDictionary<string, string>? attributes = null) =>
        new(type, action, actorId, attributes ?? new Dictionary<string, string>(), DockerTime.UnixNanos(DateTimeOffset.UtcNow));

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The journal line (and <c>{{json .}}</c>): dockerd's field order, attributes sorted by key as Go's encoder does.</summary>
    public string ToJson()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("Type", Type);
            w.WriteString("Action", Action);
            w.WriteStartObject("Actor");
            w.WriteString("ID", ActorId);
            w.WriteStartObject("Attributes");
            foreach (var (k, v) in Attributes.OrderBy(kv => kv.Key, StringComparer.Ordinal)) w.WriteString(k, v);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteString("scope", Scope);
            w.WriteNumber("time", Time);
            w.WriteNumber("timeNano", TimeNano);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Parses a journal line; null for a line that is not an event (a torn or foreign line is skipped).</summary>
    public static EngineEvent? TryParse(string line)
    {
        if (line.Length == 0 || line[0] != '{') return null;
        try
        {
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            var actor = r.GetProperty("Actor");
            var attrs = new Dictionary<string, string>(StringComparer.Ordinal);
            if (actor.TryGetProperty("Attributes", out var a) && a.ValueKind == JsonValueKind.Object)
                foreach (var p in a.EnumerateObject()) attrs[p.Name] = p.Value.GetString() ?? "";
            return new EngineEvent(r.GetProperty("Type").GetString() ?? "", r.GetProperty("Action").GetString() ?? "",
                actor.GetProperty("ID").GetString() ?? "", attrs, r.GetProperty("timeNano").GetInt64());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
