using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Quai.Registry.IntegrationTests.Fixtures;

/// <summary>A descriptor's essentials: media type, "sha256:…" digest, size in bytes.</summary>
public sealed record TestBlob(string MediaType, string Digest, long Size)
{
    /// <summary>The hex part of <see cref="Digest"/>.</summary>
    public string Hex => Digest["sha256:".Length..];
}

/// <summary>One image written into an OCI layout by <see cref="TestImages"/>: its manifest, config and
/// gzip layers (with the uncompressed layers' <see cref="DiffIds"/>), and the tag it has in index.json
/// (null for the per-platform images of a multi-arch index).</summary>
public sealed record TestImage(string LayoutDir, string? Tag, string Architecture, string? Variant,
    TestBlob Manifest, TestBlob Config, IReadOnlyList<TestBlob> Layers, IReadOnlyList<string> DiffIds)
{
    /// <summary>skopeo's name of the image: "oci:DIR:TAG".</summary>
    public string OciRef => $"oci:{LayoutDir}:{Tag}";
    /// <summary>The file of a blob of the layout (blobs/sha256/HEX).</summary>
    public string BlobPath(string digest) => TestImages.BlobPath(LayoutDir, digest);
    public byte[] ManifestBytes => File.ReadAllBytes(BlobPath(Manifest.Digest));
    public byte[] ConfigBytes => File.ReadAllBytes(BlobPath(Config.Digest));
    /// <summary>Sum of the compressed layer sizes.</summary>
    public long LayerBytes => Layers.Sum(l => l.Size);
}

/// <summary>A multi-arch image written by <see cref="TestImages.MultiArch"/>: the OCI index (tagged in
/// index.json) and its per-platform images (linux/amd64 and linux/arm64/v8, in that order).</summary>
public sealed record TestIndex(string LayoutDir, string Tag, TestBlob Index, IReadOnlyList<TestImage> Images)
{
    public string OciRef => $"oci:{LayoutDir}:{Tag}";
    public byte[] IndexBytes => File.ReadAllBytes(TestImages.BlobPath(LayoutDir, Index.Digest));
    public TestImage For(string architecture) => Images.Single(i => i.Architecture == architecture);
}

/// <summary>Writes OCI image layouts (oci-layout, index.json, blobs/sha256/…) of small busybox images
/// made from Debian's busybox-static: /usr/bin/busybox for amd64, and for arm64 the binary of the
/// busybox-static_*_arm64.deb that scripts/setup.sh downloads into /var/cache/quai-test. The rootfs
/// layer holds bin/busybox with applet symlinks (sh, ls, cat, echo, …), etc/passwd, etc/group,
/// etc/quai-arch (the architecture's name), tmp/; the config has Cmd ["sh"], a PATH, the right diff_ids.
/// Content is deterministic (fixed times, same gzip): the same call gives the same digests. A layout
/// directory may hold several tags; writing a tag again replaces its index.json entry.</summary>
public static class TestImages
{
    public const string ManifestType = "application/vnd.oci.image.manifest.v1+json";
    public const string IndexType = "application/vnd.oci.image.index.v1+json";
    public const string ConfigType = "application/vnd.oci.image.config.v1+json";
    public const string LayerType = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string DockerManifestType = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerListType = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerConfigType = "application/vnd.docker.container.image.v1+json";
    public const string DockerLayerType = "application/vnd.docker.image.rootfs.diff.tar.gzip";

    private static readonly DateTimeOffset Epoch = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Applets = ["sh", "ls", "cat", "echo", "true", "false", "sleep", "id", "env", "uname", "head", "wc", "test", "mkdir", "touch", "sha256sum"];
    private static readonly Lazy<byte[]> Arm64Busybox = new(ExtractArm64Busybox);

    /// <summary>A linux/<paramref name="arch"/> busybox image tagged <paramref name="tag"/> in the layout
    /// <paramref name="dir"/> (created if needed). <paramref name="extraLayerBytes"/> &gt; 0 adds a second
    /// layer with data/extra.bin: that many pseudo-random (incompressible) bytes from <paramref name="seed"/>,
    /// for large-blob tests (different seeds, different blobs). <paramref name="docker"/>: Docker's media
    /// types (schema 2 manifest, container config, rootfs.diff.tar.gzip) instead of OCI's.</summary>
    public static TestImage Busybox(string dir, string arch = "amd64", string tag = "latest", long extraLayerBytes = 0, int seed = 0, bool docker = false)
    {
        var image = WriteImage(dir, arch, extraLayerBytes, seed, docker) with { Tag = tag };
        Tag(dir, tag, image.Manifest, null);
        return image;
    }

    /// <summary>An OCI index tagged <paramref name="tag"/> with linux/amd64 and linux/arm64/v8 busybox
    /// manifests (platform fields set), all blobs in the layout <paramref name="dir"/>. <paramref name="docker"/>:
    /// a Docker manifest list of Docker schema 2 manifests instead.</summary>
    public static TestIndex MultiArch(string dir, string tag = "latest", bool docker = false)
    {
        var images = new[] { WriteImage(dir, "amd64", 0, 0, docker), WriteImage(dir, "arm64", 0, 0, docker) };
        var manifests = new JsonArray();
        foreach (var i in images)
        {
            var platform = new JsonObject { ["architecture"] = i.Architecture, ["os"] = "linux" };
            if (i.Variant is not null) platform["variant"] = i.Variant;
            manifests.Add(new JsonObject { ["mediaType"] = i.Manifest.MediaType, ["digest"] = i.Manifest.Digest, ["size"] = i.Manifest.Size, ["platform"] = platform });
        }
        var type = docker ? DockerListType : IndexType;
        var index = new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = type, ["manifests"] = manifests };
        var blob = WriteBlob(dir, Encoding.UTF8.GetBytes(index.ToJsonString()), type);
        Tag(dir, tag, blob, null);
        return new TestIndex(dir, tag, blob, images);
    }

    /// <summary>A Docker schema 1 manifest (signed-manifest media type
    /// application/vnd.docker.distribution.manifest.v1+prettyjws, no real signature) for "schema 1 is not
    /// supported" tests through a <see cref="ScriptedRegistry"/>; the registry 2.8 refuses to store one.</summary>
    public static byte[] Schema1Manifest(string name, string tag) => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["schemaVersion"] = 1, ["name"] = name, ["tag"] = tag, ["architecture"] = "amd64",
        ["fsLayers"] = new JsonArray(new JsonObject { ["blobSum"] = "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4" }),
        ["history"] = new JsonArray(new JsonObject { ["v1Compatibility"] = "{\"id\":\"0000000000000000000000000000000000000000000000000000000000000001\",\"architecture\":\"amd64\",\"os\":\"linux\"}" }),
    }.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    public const string Schema1Type = "application/vnd.docker.distribution.manifest.v1+prettyjws";

    /// <summary>The file of <paramref name="digest"/> in the layout <paramref name="dir"/>.</summary>
    public static string BlobPath(string dir, string digest) => Path.Combine(dir, "blobs", "sha256", digest["sha256:".Length..]);

    /// <summary>The busybox binary for amd64 or arm64.</summary>
    public static byte[] BusyboxBinary(string arch) => arch switch
    {
        "amd64" => File.ReadAllBytes("/usr/bin/busybox"),
        "arm64" => Arm64Busybox.Value,
        _ => throw new ArgumentException($"no busybox for {arch} (amd64, arm64)"),
    };

    /// <summary>Writes bytes as a blob of the layout; returns its descriptor.</summary>
    public static TestBlob WriteBlob(string dir, byte[] bytes, string mediaType)
    {
        var digest = "sha256:" + Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
        var path = BlobPath(dir, digest);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (!File.Exists(path)) File.WriteAllBytes(path, bytes);
        return new TestBlob(mediaType, digest, bytes.Length);
    }

    private static TestImage WriteImage(string dir, string arch, long extraLayerBytes, int seed, bool docker)
    {
        var (manifestType, configType, layerType) = docker ? (DockerManifestType, DockerConfigType, DockerLayerType) : (ManifestType, ConfigType, LayerType);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        var variant = arch == "arm64" ? "v8" : null;
        var layers = new List<TestBlob>();
        var diffIds = new List<string>();
        void AddLayer(byte[] tar)
        {
            diffIds.Add("sha256:" + Convert.ToHexString(SHA256.HashData(tar)).ToLowerInvariant());
            layers.Add(WriteBlob(dir, Gzip(tar), layerType));
        }
        AddLayer(RootfsTar(arch));
        if (extraLayerBytes > 0) AddLayer(ExtraTar(extraLayerBytes, seed));

        var history = new JsonArray();
        foreach (var _ in layers) history.Add(new JsonObject { ["created"] = Epoch.ToString("yyyy-MM-ddTHH:mm:ssZ"), ["created_by"] = "quai test image layer" });
        var config = new JsonObject
        {
            ["created"] = Epoch.ToString("yyyy-MM-ddTHH:mm:ssZ"),
            ["architecture"] = arch,
            ["os"] = "linux",
            ["config"] = new JsonObject
            {
                ["Env"] = new JsonArray("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
                ["Cmd"] = new JsonArray("sh"),
            },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(diffIds.Select(d => (JsonNode)d!).ToArray()) },
            ["history"] = history,
        };
        if (variant is not null) config["variant"] = variant;
        var configBlob = WriteBlob(dir, Encoding.UTF8.GetBytes(config.ToJsonString()), configType);
        var layerArray = new JsonArray();
        foreach (var l in layers) layerArray.Add(new JsonObject { ["mediaType"] = l.MediaType, ["digest"] = l.Digest, ["size"] = l.Size });
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = manifestType,
            ["config"] = new JsonObject { ["mediaType"] = configType, ["digest"] = configBlob.Digest, ["size"] = configBlob.Size },
            ["layers"] = layerArray,
        };
        var manifestBlob = WriteBlob(dir, Encoding.UTF8.GetBytes(manifest.ToJsonString()), manifestType);
        return new TestImage(dir, null, arch, variant, manifestBlob, configBlob, layers, diffIds);
    }

    /// <summary>Adds (or replaces) the index.json entry tagged <paramref name="tag"/>.</summary>
    private static void Tag(string dir, string tag, TestBlob target, JsonObject? platform)
    {
        var path = Path.Combine(dir, "index.json");
        var index = File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path))!.AsObject()
            : new JsonObject { ["schemaVersion"] = 2, ["mediaType"] = IndexType, ["manifests"] = new JsonArray() };
        var manifests = index["manifests"]!.AsArray();
        foreach (var old in manifests.Where(m => m?["annotations"]?["org.opencontainers.image.ref.name"]?.GetValue<string>() == tag).ToList())
            manifests.Remove(old);
        var d = new JsonObject
        {
            ["mediaType"] = target.MediaType, ["digest"] = target.Digest, ["size"] = target.Size,
            ["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = tag },
        };
        if (platform is not null) d["platform"] = platform;
        manifests.Add(d);
        File.WriteAllText(path, index.ToJsonString());
    }

    private static byte[] RootfsTar(string arch)
    {
        var ms = new MemoryStream();
        using (var w = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
        {
            void Entry(TarEntryType type, string name, int mode, byte[]? data = null, string? link = null)
            {
                var e = new PaxTarEntry(type, name) { Mode = (UnixFileMode)mode, ModificationTime = Epoch, Uid = 0, Gid = 0 };
                if (link is not null) e.LinkName = link;
                if (data is not null) e.DataStream = new MemoryStream(data);
                w.WriteEntry(e);
            }
            Entry(TarEntryType.Directory, "bin/", 0x1ED);
            Entry(TarEntryType.Directory, "etc/", 0x1ED);
            Entry(TarEntryType.Directory, "root/", 0x1C0);
            Entry(TarEntryType.Directory, "tmp/", 0x3FF);
            Entry(TarEntryType.RegularFile, "bin/busybox", 0x1ED, BusyboxBinary(arch));
            foreach (var a in Applets) Entry(TarEntryType.SymbolicLink, "bin/" + a, 0x1FF, link: "busybox");
            Entry(TarEntryType.RegularFile, "etc/passwd", 0x1A4, Encoding.UTF8.GetBytes("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"));
            Entry(TarEntryType.RegularFile, "etc/group", 0x1A4, Encoding.UTF8.GetBytes("root:x:0:\nnogroup:x:65534:\n"));
            Entry(TarEntryType.RegularFile, "etc/quai-arch", 0x1A4, Encoding.UTF8.GetBytes(arch + "\n"));
        }
        return ms.ToArray();
    }

    private static byte[] ExtraTar(long bytes, int seed)
    {
        var data = new byte[bytes];
        new Random(seed).NextBytes(data);
        var ms = new MemoryStream();
        using (var w = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
        {
            w.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "data/") { Mode = (UnixFileMode)0x1ED, ModificationTime = Epoch });
            w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "data/extra.bin") { Mode = (UnixFileMode)0x1A4, ModificationTime = Epoch, DataStream = new MemoryStream(data) });
        }
        return ms.ToArray();
    }

    private static byte[] Gzip(byte[] data)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true)) gz.Write(data);
        return ms.ToArray();
    }

    private static byte[] ExtractArm64Busybox()
    {
        var deb = Directory.Exists("/var/cache/quai-test")
            ? Directory.GetFiles("/var/cache/quai-test", "busybox-static_*_arm64.deb").OrderBy(f => f).LastOrDefault() : null;
        if (deb is null) throw new InvalidOperationException("no /var/cache/quai-test/busybox-static_*_arm64.deb: scripts/setup.sh downloads it");
        var tmp = Directory.CreateTempSubdirectory("quai-bb-arm64-").FullName;
        try
        {
            Tool.Run("dpkg-deb", "-x", deb, tmp).OrThrow();
            return File.ReadAllBytes(Path.Combine(tmp, "bin", "busybox"));
        }
        finally { Directory.Delete(tmp, recursive: true); }
    }
}
