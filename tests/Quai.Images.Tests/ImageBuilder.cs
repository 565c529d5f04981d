using System.Formats.Tar;
using System.Security.Cryptography;
using Quai.Oci.Image;

namespace Quai.Images.Tests;

/// <summary>Builds OCI layouts and docker-archives from layer tars, for load tests.</summary>
public sealed class ImageBuilder
{
    public sealed record Built(Descriptor Manifest, Digest ConfigDigest, Dictionary<string, byte[]> Blobs);

    private readonly Dictionary<string, byte[]> _blobs = [];

    public Descriptor AddBlob(string mediaType, byte[] data)
    {
        var d = Digest.Compute(data);
        _blobs[d.Hex] = data;
        return Descriptor.For(mediaType, d, data.Length);
    }

    /// <summary>Adds an image made of uncompressed layer tars, compressed as asked.</summary>
    public (Descriptor Manifest, Digest Config) AddImage(IReadOnlyList<byte[]> layers, Compression compression = Compression.Gzip, string arch = "amd64", string[]? cmd = null)
    {
        var config = new ImageConfig
        {
            Architecture = arch, Os = "linux", Created = DateTimeOffset.UtcNow,
            Config = new ContainerConfig { Cmd = [.. cmd ?? ["sh"]] },
            RootFs = new RootFs { DiffIds = layers.Select(l => Digest.Compute(l).ToString()).ToList() },
            History = layers.Select((_, i) => new HistoryEntry { CreatedBy = $"layer {i}" }).ToList(),
        };
        var configDesc = AddBlob(MediaTypes.OciConfig, ImageJson.Serialize(config, ImageJsonContext.Default.ImageConfig));
        var manifest = new Manifest { MediaType = MediaTypes.OciManifest, Config = configDesc };
        foreach (var l in layers)
        {
            var data = compression switch { Compression.Gzip => TarBuilder.Gzip(l), Compression.Zstd => TarBuilder.Zstd(l), _ => l };
            manifest.Layers.Add(AddBlob(MediaTypes.OciLayerFor(compression), data));
        }
        var md = AddBlob(MediaTypes.OciManifest, ImageJson.Serialize(manifest, ImageJsonContext.Default.Manifest));
        md.Platform = new Platform { Os = "linux", Architecture = arch };
        return (md, configDesc.ParsedDigest);
    }

    public Descriptor AddIndex(params Descriptor[] manifests)
    {
        var index = new ImageIndex { MediaType = MediaTypes.OciIndex, Manifests = [.. manifests] };
        return AddBlob(MediaTypes.OciIndex, ImageJson.Serialize(index, ImageJsonContext.Default.ImageIndex));
    }

    /// <summary>An OCI layout tar whose index.json lists <paramref name="roots"/> with optional names.</summary>
    public byte[] OciArchive(params (Descriptor Desc, string? Name)[] roots)
    {
        var ms = new MemoryStream();
        using (var w = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
        {
            Write(w, "oci-layout", """{"imageLayoutVersion":"1.0.0"}"""u8.ToArray());
            foreach (var (hex, data) in _blobs) Write(w, "blobs/sha256/" + hex, data);
            var index = new ImageIndex { MediaType = MediaTypes.OciIndex };
            foreach (var (desc, name) in roots)
            {
                var d = Descriptor.For(desc.MediaType, desc.ParsedDigest, desc.Size);
                if (name is not null) d.Annotations = new() { [Annotations.ContainerdImageName] = name };
                index.Manifests.Add(d);
            }
            Write(w, "index.json", ImageJson.Serialize(index, ImageJsonContext.Default.ImageIndex));
        }
        return ms.ToArray();
    }

    /// <summary>The blobs as an OCI image layout directory whose index.json lists <paramref name="roots"/>
    /// (what the pull tests read as if it were a registry).</summary>
    public string WriteLayout(string dir, params Descriptor[] roots)
    {
        Directory.CreateDirectory(Path.Combine(dir, "blobs", "sha256"));
        File.WriteAllText(Path.Combine(dir, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");
        foreach (var (hex, data) in _blobs) File.WriteAllBytes(Path.Combine(dir, "blobs", "sha256", hex), data);
        var index = new ImageIndex { MediaType = MediaTypes.OciIndex, Manifests = [.. roots.Select(r => Descriptor.For(r.MediaType, r.ParsedDigest, r.Size))] };
        File.WriteAllBytes(Path.Combine(dir, "index.json"), ImageJson.Serialize(index, ImageJsonContext.Default.ImageIndex));
        return dir;
    }

    public static void Write(TarWriter w, string name, byte[] data)
        => w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data), Mode = (UnixFileMode)0x1A4 });

    /// <summary>A podman/skopeo-style docker-archive: &lt;hex&gt;.json config, &lt;hex&gt;.tar layers, manifest.json.</summary>
    public static byte[] DockerArchive(IReadOnlyList<byte[]> layers, string repoTag, Func<byte[], byte[]>? compress = null)
    {
        var config = new ImageConfig
        {
            Architecture = Platform.Host().Architecture, Os = "linux", Created = DateTimeOffset.UtcNow,
            RootFs = new RootFs { DiffIds = layers.Select(l => Digest.Compute(l).ToString()).ToList() },
        };
        var configBytes = ImageJson.Serialize(config, ImageJsonContext.Default.ImageConfig);
        var configName = Convert.ToHexStringLower(SHA256.HashData(configBytes)) + ".json";
        var ms = new MemoryStream();
        using (var w = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
        {
            var layerNames = new List<string>();
            foreach (var l in layers)
            {
                var name = Digest.Compute(l).Hex + ".tar";
                layerNames.Add(name);
                Write(w, name, compress?.Invoke(l) ?? l);
            }
            Write(w, configName, configBytes);
            var entries = new List<DockerArchiveManifestEntry> { new() { Config = configName, RepoTags = [repoTag], Layers = layerNames } };
            Write(w, "manifest.json", ImageJson.Serialize(entries, ImageJsonContext.Default.ListDockerArchiveManifestEntry));
        }
        return ms.ToArray();
    }
}
