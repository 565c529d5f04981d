namespace Quai.Oci.Image;

/// <summary>Media types of the OCI image spec and Docker's schema 2.</summary>
public static class MediaTypes
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";
    public const string OciLayer = "application/vnd.oci.image.layer.v1.tar";
    public const string OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string OciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
    public const string OciLayerNondistributable = "application/vnd.oci.image.layer.nondistributable.v1.tar";
    public const string OciLayerNondistributableGzip = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
    public const string OciLayerNondistributableZstd = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";
    public const string OciLayout = "application/vnd.oci.layout.header.v1+json";

    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";
    public const string DockerLayer = "application/vnd.docker.image.rootfs.diff.tar";
    public const string DockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public const string DockerLayerZstd = "application/vnd.docker.image.rootfs.diff.tar.zstd";
    public const string DockerForeignLayerGzip = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

    public static bool IsManifest(string? mt) => mt is OciManifest or DockerManifest;
    public static bool IsIndex(string? mt) => mt is OciIndex or DockerManifestList;
    public static bool IsConfig(string? mt) => mt is OciConfig or DockerConfig;

    public static bool IsLayer(string? mt) => mt is not null && LayerCompression(mt) is not null;

    /// <summary>The compression a layer media type announces, or null if it is not a layer type.</summary>
    public static Compression? LayerCompression(string mediaType) => mediaType switch
    {
        OciLayer or OciLayerNondistributable or DockerLayer => Compression.None,
        OciLayerGzip or OciLayerNondistributableGzip or DockerLayerGzip or DockerForeignLayerGzip => Compression.Gzip,
        OciLayerZstd or OciLayerNondistributableZstd or DockerLayerZstd => Compression.Zstd,
        _ => null,
    };

    public static string OciLayerFor(Compression c) => c switch
    {
        Compression.Gzip => OciLayerGzip,
        Compression.Zstd => OciLayerZstd,
        _ => OciLayer,
    };
}

public enum Compression { None, Gzip, Zstd }
