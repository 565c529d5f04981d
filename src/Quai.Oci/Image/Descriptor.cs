using System.Text.Json.Serialization;

namespace Quai.Oci.Image;

/// <summary>An OCI content descriptor: what a blob is, its digest and size.</summary>
public sealed class Descriptor
{
    [JsonPropertyName("mediaType")] public string MediaType { get; set; } = "";
    [JsonPropertyName("digest")] public string Digest { get; set; } = "";
    [JsonPropertyName("size")] public long Size { get; set; }
    [JsonPropertyName("urls")] public List<string>? Urls { get; set; }
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; set; }
    [JsonPropertyName("platform")] public Platform? Platform { get; set; }
    [JsonPropertyName("artifactType")] public string? ArtifactType { get; set; }

    /// <summary>The parsed digest; throws a FormatException naming the bad value.</summary>
    [JsonIgnore] public Digest ParsedDigest => Image.Digest.Parse(Digest);

    public static Descriptor For(string mediaType, Digest digest, long size) => new() { MediaType = mediaType, Digest = digest.ToString(), Size = size };
}
