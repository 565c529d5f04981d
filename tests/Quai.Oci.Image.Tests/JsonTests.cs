using System.Text;
using Quai.Oci.Image;

namespace Quai.Oci.Image.Tests;

public class JsonTests
{
    [Fact]
    public void Reads_docker_config_fields()
    {
        var json = """
        {"architecture":"amd64","os":"linux","created":"2024-01-02T03:04:05.123456789Z",
         "config":{"User":"1000:1000","Env":["PATH=/bin"],"Cmd":["sh"],"Entrypoint":["/init"],"WorkingDir":"/w",
           "ExposedPorts":{"80/tcp":{}},"Volumes":{"/data":{}},"Labels":{"a":"b"},"StopSignal":"SIGTERM",
           "Healthcheck":{"Test":["CMD","true"],"Interval":30000000000,"Retries":3}},
         "rootfs":{"type":"layers","diff_ids":["sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]},
         "history":[{"created_by":"/bin/sh -c #(nop) CMD [\"sh\"]","empty_layer":true}],
         "unknown_field":{"x":1}}
        """;
        var c = ImageJson.ParseConfig(Encoding.UTF8.GetBytes(json), "config");
        Assert.Equal("amd64", c.Architecture);
        Assert.Equal("1000:1000", c.Config!.User);
        Assert.Equal(["sh"], c.Config.Cmd!);
        Assert.True(c.Config.ExposedPorts!.ContainsKey("80/tcp"));
        Assert.Equal(30_000_000_000, c.Config.Healthcheck!.Interval);
        Assert.Single(c.RootFs.DiffIds);
        Assert.True(c.History![0].EmptyLayer);
        var back = Encoding.UTF8.GetString(ImageJson.Serialize(c, ImageJsonContext.Default.ImageConfig));
        Assert.Contains("\"ExposedPorts\":{\"80/tcp\":{}}", back);
        Assert.DoesNotContain("null", back);
    }

    [Fact]
    public void Probe_infers_media_type_when_missing()
    {
        Assert.Equal(MediaTypes.OciIndex, ImageJson.ProbeMediaType("{\"schemaVersion\":2,\"manifests\":[]}"u8, "x"));
        Assert.Equal(MediaTypes.OciManifest, ImageJson.ProbeMediaType("{\"schemaVersion\":2,\"config\":{},\"layers\":[]}"u8, "x"));
        Assert.Equal(MediaTypes.DockerManifestList, ImageJson.ProbeMediaType(Encoding.UTF8.GetBytes($"{{\"mediaType\":\"{MediaTypes.DockerManifestList}\"}}"), "x"));
    }

    [Fact]
    public void Invalid_json_names_the_document()
    {
        var e = Assert.Throws<InvalidDataException>(() => ImageJson.ParseManifest("{not json"u8, "manifest sha256:abc"));
        Assert.Contains("manifest sha256:abc", e.Message);
    }

    [Theory]
    [InlineData("linux/amd64", "linux", "amd64", null)]
    [InlineData("linux/arm64", "linux", "arm64", "v8")]
    [InlineData("linux/arm/v7", "linux", "arm", "v7")]
    [InlineData("linux/x86_64", "linux", "amd64", null)]
    public void Parses_platforms(string s, string os, string arch, string? variant)
    {
        var p = Platform.Parse(s);
        Assert.Equal((os, arch, variant), (p.Os, p.Architecture, p.Variant));
        Assert.True(p.Matches(new Platform { Os = os, Architecture = arch, Variant = variant }));
        Assert.False(p.Matches(new Platform { Os = os, Architecture = "s390x" }));
    }

    [Fact]
    public void Layer_media_types_announce_compression()
    {
        Assert.Equal(Compression.Gzip, MediaTypes.LayerCompression(MediaTypes.DockerLayerGzip));
        Assert.Equal(Compression.Zstd, MediaTypes.LayerCompression(MediaTypes.OciLayerZstd));
        Assert.Equal(Compression.None, MediaTypes.LayerCompression(MediaTypes.OciLayer));
        Assert.Null(MediaTypes.LayerCompression(MediaTypes.OciConfig));
    }
}
