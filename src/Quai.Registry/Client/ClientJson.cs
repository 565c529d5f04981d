using System.Text.Json.Serialization;

namespace Quai.Registry.Client;

/// <summary>The distribution spec's error body: <c>{"errors":[{"code":…,"message":…,"detail":…}]}</c>.</summary>
internal sealed class ErrorsBody
{
    [JsonPropertyName("errors")] public List<ErrorEntry>? Errors { get; set; }
}

internal sealed class ErrorEntry
{
    [JsonPropertyName("code")] public string? Code { get; set; }
    [JsonPropertyName("message")] public string? Message { get; set; }
}

internal sealed class TagList
{
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("tags")] public List<string>? Tags { get; set; }
}

internal sealed class CatalogBody
{
    [JsonPropertyName("repositories")] public List<string>? Repositories { get; set; }
}

/// <summary>The v1 search endpoint's answer (Docker Hub and registries that implement it).</summary>
internal sealed class SearchBody
{
    [JsonPropertyName("num_results")] public int NumResults { get; set; }
    [JsonPropertyName("query")] public string? Query { get; set; }
    [JsonPropertyName("results")] public List<SearchResult>? Results { get; set; }
}

public sealed class SearchResult
{
    [JsonPropertyName("name")] public string Name { get; set; } = "";
    [JsonPropertyName("description")] public string? Description { get; set; }
    [JsonPropertyName("star_count")] public int StarCount { get; set; }
    [JsonPropertyName("is_official")] public bool IsOfficial { get; set; }
    [JsonPropertyName("is_automated")] public bool IsAutomated { get; set; }
}

[JsonSourceGenerationOptions(AllowTrailingCommas = true)]
[JsonSerializable(typeof(ErrorsBody))]
[JsonSerializable(typeof(TagList))]
[JsonSerializable(typeof(CatalogBody))]
[JsonSerializable(typeof(SearchBody))]
internal sealed partial class ClientJsonContext : JsonSerializerContext;
