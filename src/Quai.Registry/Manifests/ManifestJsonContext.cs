using System.Text.Json.Serialization;

namespace Quai.Registry.Manifests;

/// <summary>Source-generated JSON of the local manifest lists (the CLI is NativeAOT: no reflection).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ManifestList))]
[JsonSerializable(typeof(ManifestEntry))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext
{
    /// <summary>The context with the relaxed encoder: media types keep their '+' (docker's Go encoder writes them so).</summary>
    public static ManifestJsonContext Relaxed { get; } = new(new System.Text.Json.JsonSerializerOptions
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
