using Quai.Oci.Image;

namespace Quai.Oci.Image.Tests;

public class ReferenceTests
{
    private const string Hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    [Theory]
    [InlineData("busybox", "docker.io/library/busybox:latest", "busybox:latest")]
    [InlineData("busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36")]
    [InlineData("library/busybox", "docker.io/library/busybox:latest", "busybox:latest")]
    [InlineData("docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest")]
    [InlineData("index.docker.io/library/busybox", "docker.io/library/busybox:latest", "busybox:latest")]
    [InlineData("user/app:v1", "docker.io/user/app:v1", "user/app:v1")]
    [InlineData("user/team/app", "docker.io/user/team/app:latest", "user/team/app:latest")]
    [InlineData("docker.io/library/a/b", "docker.io/library/a/b:latest", "library/a/b:latest")]
    [InlineData("host:5000/a/b:tag", "host:5000/a/b:tag", "host:5000/a/b:tag")]
    [InlineData("localhost/app", "localhost/app:latest", "localhost/app:latest")]
    [InlineData("localhost:5000/app", "localhost:5000/app:latest", "localhost:5000/app:latest")]
    [InlineData("quay.io/podman/stable", "quay.io/podman/stable:latest", "quay.io/podman/stable:latest")]
    [InlineData("[::1]:5000/app:x", "[::1]:5000/app:x", "[::1]:5000/app:x")]
    [InlineData("a__b-c--d/f_g.h:T.a-g_1", "docker.io/a__b-c--d/f_g.h:T.a-g_1", "a__b-c--d/f_g.h:T.a-g_1")]
    public void Normalises_like_docker(string input, string full, string familiar)
    {
        var r = Reference.Parse(input);
        Assert.Equal(full, r.ToString());
        Assert.Equal(familiar, r.ToFamiliarString());
    }

    [Fact]
    public void Localhost_without_slash_is_a_repository_with_a_port_like_tag()
    {
        var r = Reference.Parse("localhost:5000");
        Assert.Equal("docker.io/library/localhost:5000", r.ToString());
        Assert.Equal("5000", r.Tag);
    }

    [Fact]
    public void Digest_reference_gets_no_default_tag()
    {
        var r = Reference.Parse("busybox@sha256:" + Hex);
        Assert.Null(r.Tag);
        Assert.Equal("sha256:" + Hex, r.Digest.ToString());
        Assert.Equal("docker.io/library/busybox@sha256:" + Hex, r.ToString());
        Assert.Equal("busybox@sha256:" + Hex, r.ToFamiliarString());
    }

    [Fact]
    public void Tag_and_digest_are_both_kept()
    {
        var r = Reference.Parse("host:5000/a/b:1@sha256:" + Hex);
        Assert.Equal("host:5000", r.Domain);
        Assert.Equal("a/b", r.Path);
        Assert.Equal("1", r.Tag);
        Assert.NotNull(r.Digest);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("Busybox", "must be lowercase")]
    [InlineData("library/BusyBox", "must be lowercase")]
    [InlineData(Hex, "64-byte hexadecimal")]
    [InlineData("busybox:", "invalid tag")]
    [InlineData("busybox:-x", "invalid tag")]
    [InlineData("busybox@sha256:abc", "invalid digest")]
    [InlineData("busybox@md5:" + Hex, "unsupported digest algorithm")]
    [InlineData("a//b", "path component")]
    [InlineData("a/b_", "path component")]
    [InlineData("-host.io/a", "invalid registry")]
    [InlineData("a/b c", "path component")]
    public void Rejects_invalid(string input, string message)
    {
        var e = Assert.Throws<FormatException>(() => Reference.Parse(input));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Uppercase_first_component_is_a_registry()
    {
        var r = Reference.Parse("Registry/app");
        Assert.Equal("Registry", r.Domain);
        Assert.Equal("app", r.Path);
    }

    [Fact]
    public void Tag_longer_than_128_is_rejected()
    {
        Assert.Throws<FormatException>(() => Reference.Parse("busybox:" + new string('a', 129)));
        Assert.Equal(new string('a', 128), Reference.Parse("busybox:" + new string('a', 128)).Tag);
    }

    [Fact]
    public void Name_longer_than_255_is_rejected()
    {
        var longName = "docker.io/" + string.Join('/', Enumerable.Repeat(new string('a', 50), 5));
        Assert.Throws<FormatException>(() => Reference.Parse(longName));
    }

    [Fact]
    public void WithTag_replaces_tag_and_drops_digest()
    {
        var r = Reference.Parse("busybox@sha256:" + Hex).WithTag("x");
        Assert.Equal("docker.io/library/busybox:x", r.ToString());
        Assert.Throws<FormatException>(() => r.WithTag("bad tag"));
    }
}
