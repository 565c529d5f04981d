using System.Text.Json.Serialization;
using Quai.Oci.Image;

namespace Quai.Registry.Manifests;

/// <summary>One image manifest of a local manifest list, as <c>docker manifest create</c> keeps it: the reference it
/// was named by (fully qualified, e.g. <c>docker.io/library/busybox:latest</c>), its descriptor (media type, digest,
/// size, platform — from its config, then as annotated) and the manifest's bytes exactly as the registry served them,
/// so that push can put them into another repository under the same digest. The JSON names are docker's
/// (<c>Ref</c>, <c>Descriptor</c>, <c>Raw</c>), as <c>docker manifest inspect -v</c> prints them.</summary>
public sealed class ManifestEntry
{
    [JsonPropertyName("Ref")] public string Ref { get; set; } = "";
    [JsonPropertyName("Descriptor")] public Descriptor Descriptor { get; set; } = new();
    [JsonPropertyName("Raw")] public byte[] Raw { get; set; } = [];

    [JsonIgnore] public Reference Reference => Reference.ParseNormalized(Ref);

    /// <summary>The parsed manifest (config and layers): the blobs that push mounts into the target repository.</summary>
    public Manifest ParseManifest() => ImageJson.ParseManifest(Raw, $"manifest {Descriptor.Digest} of {Ref}");
}

/// <summary>A local manifest list: its name (the reference it is pushed to) and its image manifests, in the order
/// they were added (<c>create --amend</c> replaces an entry of the same reference in place).</summary>
public sealed class ManifestList
{
    [JsonPropertyName("Ref")] public string Ref { get; set; } = "";
    [JsonPropertyName("Manifests")] public List<ManifestEntry> Manifests { get; set; } = [];

    [JsonIgnore] public Reference Reference => Reference.ParseNormalized(Ref);

    public ManifestEntry? Find(Reference manifest) => Manifests.FirstOrDefault(m => m.Ref == manifest.ToString());

    /// <summary>Adds <paramref name="entry"/>, or replaces the entry of the same reference where it is.</summary>
    public void Put(ManifestEntry entry)
    {
        var i = Manifests.FindIndex(m => m.Ref == entry.Ref);
        if (i >= 0) Manifests[i] = entry;
        else Manifests.Add(entry);
    }
}
