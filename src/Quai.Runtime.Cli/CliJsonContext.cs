using System.Text.Json.Serialization;
using Quai.Runtime.Cli.Commands;

namespace Quai.Runtime.Cli;

[JsonSourceGenerationOptions(WriteIndented = false)]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(List<int>))]
[JsonSerializable(typeof(EventMessage))]
[JsonSerializable(typeof(Features))]
internal sealed partial class CliJsonContext : JsonSerializerContext;

[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Features))]
internal sealed partial class IndentedJsonContext : JsonSerializerContext;

/// <summary>One line of `events`: {"type":"stats"|"oom","id":…,"data":…}.</summary>
public sealed class EventMessage
{
    [JsonPropertyName("type")] public string Type { get; set; } = "";
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("data")] public System.Text.Json.JsonElement? Data { get; set; }
}
