using Quai.Registry.Config;

namespace Quai.Registry.Tests.Config;

public class RegistryConfigTests
{
    [Fact]
    public void MissingFileIsTheDefaults()
    {
        using var t = new TempDir();
        var c = RegistryConfig.Load(System.IO.Path.Combine(t.Path, "nope.json"));
        Assert.Empty(c.InsecureRegistries);
        Assert.Empty(c.Mirrors);
        Assert.Equal(TimeSpan.FromSeconds(30), c.Timeout);
    }

    [Fact]
    public void ReadsDockerdKeysAndIgnoresTheOthers()
    {
        using var t = new TempDir();
        var path = t.File("daemon.json", """
            { "insecure-registries": ["myreg.example:5000", "10.1.0.0/16"], "registry-mirrors": ["https://mirror.example/"],
              "registry-timeout": 7, "log-driver": "json-file", "storage-opts": ["a=b"] }
            """);
        var c = RegistryConfig.Load(path);
        Assert.Equal(["myreg.example:5000", "10.1.0.0/16"], c.InsecureRegistries);
        Assert.Equal(new Uri("https://mirror.example/"), Assert.Single(c.Mirrors));
        Assert.Equal(TimeSpan.FromSeconds(7), c.Timeout);
        Assert.True(c.IsInsecure("myreg.example:5000"));
        Assert.False(c.IsInsecure("myreg.example:5001"));
        Assert.True(c.IsInsecure("10.1.200.3:443"));
        Assert.False(c.IsInsecure("10.2.0.1"));
    }

    [Fact]
    public void MalformedFileNamesTheFile()
    {
        using var t = new TempDir();
        var path = t.File("daemon.json", "{ \"insecure-registries\": [ ");
        var e = Assert.Throws<InvalidDataException>(() => RegistryConfig.Load(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void BadMirrorAndTimeoutAreErrors()
    {
        using var t = new TempDir();
        Assert.Contains("mirror", Assert.Throws<InvalidDataException>(() => RegistryConfig.Load(t.File("a.json", """{"registry-mirrors":["ftp://x"]}"""))).Message);
        Assert.Contains("registry-timeout", Assert.Throws<InvalidDataException>(() => RegistryConfig.Load(t.File("b.json", """{"registry-timeout":-1}"""))).Message);
    }

    [Theory]
    [InlineData("localhost:5000", true)]
    [InlineData("localhost", true)]
    [InlineData("127.0.0.1:5000", true)]
    [InlineData("127.9.8.7", true)]
    [InlineData("[::1]:5000", true)]
    [InlineData("docker.io", false)]
    [InlineData("192.168.1.1:5000", false)]
    public void LoopbackIsInsecureAsDocker(string domain, bool insecure)
        => Assert.Equal(insecure, new RegistryConfig().IsInsecure(domain));

    [Fact]
    public void HostOfSplitsThePort()
    {
        Assert.Equal("a.b", RegistryConfig.HostOf("a.b:5000"));
        Assert.Equal("::1", RegistryConfig.HostOf("[::1]:5000"));
        Assert.Equal("a.b", RegistryConfig.HostOf("a.b"));
    }
}
