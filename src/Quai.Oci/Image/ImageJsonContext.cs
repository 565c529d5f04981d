using System.Text.Json;
using System.Text.Json.Serialization;

namespace Quai.Oci.Image;

/// <summary>Source-generated JSON for every image-spec type (the CLIs are NativeAOT: no reflection).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, AllowTrailingCommas = true,
    ReadCommentHandling = JsonCommentHandling.Skip)]
[JsonSerializable(typeof(Descriptor))]
[JsonSerializable(typeof(Manifest))]
[JsonSerializable(typeof(ImageIndex))]
[JsonSerializable(typeof(ImageConfig))]
[JsonSerializable(typeof(OciLayoutFile))]
[JsonSerializable(typeof(List<DockerArchiveManifestEntry>))]
[JsonSerializable(typeof(Dictionary<string, Dictionary<string, string>>))]
[JsonSerializable(typeof(MediaTypeProbe))]
public sealed partial class ImageJsonContext : JsonSerializerContext;

/// <summary>Just enough of a manifest or index to tell which one it is.</summary>
public sealed class MediaTypeProbe
{
    [JsonPropertyName("schemaVersion")] public int SchemaVersion { get; set; }
    [JsonPropertyName("mediaType")] public string? MediaType { get; set; }
    [JsonPropertyName("manifests")] public JsonElement? Manifests { get; set; }
    [JsonPropertyName("config")] public JsonElement? Config { get; set; }
    [JsonPropertyName("layers")] public JsonElement? Layers { get; set; }

    /// <summary>The media type, inferred from the fields present when the document leaves it out (OCI allows that).</summary>
    public string? Effective => MediaType ?? (Manifests is not null ? MediaTypes.OciIndex : Config is not null ? MediaTypes.OciManifest : null);
}

/// <summary>Typed parse helpers that name what failed to parse.</summary>
public static class ImageJson
{
    public static T Parse<T>(ReadOnlySpan<byte> json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info, string what)
    {
        try
        {
            return JsonSerializer.Deserialize(json, info) ?? throw new InvalidDataException($"{what}: empty JSON document");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{what}: invalid JSON: {e.Message}", e);
        }
    }

    public static Manifest ParseManifest(ReadOnlySpan<byte> json, string what) => Parse(json, ImageJsonContext.Default.Manifest, what);
    public static ImageIndex ParseIndex(ReadOnlySpan<byte> json, string what) => Parse(json, ImageJsonContext.Default.ImageIndex, what);
    public static ImageConfig ParseConfig(ReadOnlySpan<byte> json, string what) => Parse(json, ImageJsonContext.Default.ImageConfig, what);
    public static string? ProbeMediaType(ReadOnlySpan<byte> json, string what) => Parse(json, ImageJsonContext.Default.MediaTypeProbe, what).Effective;

    /// <summary>Writes compact JSON without escaping '+' and friends (media types stay readable, as other tools write them).</summary>
    public static byte[] Serialize<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info)
        => JsonSerializer.SerializeToUtf8Bytes(value, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)Relaxed.GetTypeInfo(typeof(T))!);

    /// <summary>The context with a relaxed encoder and the same options as the attribute declares.</summary>
    public static ImageJsonContext Relaxed { get; } = new(new JsonSerializerOptions
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        AllowTrailingCommas = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
