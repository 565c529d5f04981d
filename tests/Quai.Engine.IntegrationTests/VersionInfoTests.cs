using System.Text.Json;
using System.Text.RegularExpressions;

namespace Quai.Engine.IntegrationTests;

/// <summary><c>quai --version</c>, <c>version</c> and <c>info</c>: Docker's layout and the fields scripts read with --format.</summary>
public sealed class VersionInfoTests(QuaiHost q) : IClassFixture<QuaiHost>
{
    [Fact]
    public void VersionFlag_IsOneDockerStyleLine()
    {
        var r = q.Run("--version");
        Assert.Equal(0, r.Code);
        Assert.Matches(@"^Quai version \d+\.\d+\.\d+, build ([0-9a-f]{7}|unknown)\n$", r.Out);
    }

    [Fact]
    public void Version_HasClientAndServerSections_AndFormatSeesDockerFields()
    {
        var text = q.Ok("version");
        Assert.Matches(@"^Client: Quai\n Version:\s{11}\d+\.\d+\.\d+\n API version:\s+1\.48\n", text);
        Assert.Contains("\n OS/Arch:           linux/", text);
        Assert.Contains("\nServer: Quai\n Engine:\n  Version:          ", text);
        Assert.Contains("  API version:      1.48 (minimum version 1.24)", text);
        var version = Regex.Match(text, @"Version:\s+(\S+)").Groups[1].Value;
        Assert.Equal($"{version} {version} 1.48", q.Ok("version", "--format", "{{.Client.Version}} {{.Server.Version}} {{.Server.APIVersion}}"));
        using var json = JsonDocument.Parse(q.Ok("version", "--format", "{{json .}}"));
        Assert.Equal("Engine", json.RootElement.GetProperty("Server").GetProperty("Components")[0].GetProperty("Name").GetString());
        Assert.Equal("1.48", json.RootElement.GetProperty("Client").GetProperty("ApiVersion").GetString());
        var bad = q.Run("version", "--format", "{{.Nope}}");
        Assert.Equal(1, bad.Code);
        Assert.Contains("can't evaluate field Nope", bad.Err);
    }

    [Fact]
    public void Info_CountsContainersAndImages_AndShowsTheHost()
    {
        var name = QuaiHost.Unique("info");
        try
        {
            q.Ok("create", "--name", name, "bb", "true");
            var text = q.Ok("info");
            Assert.Contains("\nServer:\n Containers: 1\n  Running: 0\n  Paused: 0\n  Stopped: 1\n Images: 1\n Server Version: ", text);
            Assert.Contains(" Cgroup Driver: cgroupfs\n", text);
            Assert.Matches(@"\n Cgroup Version: [12]\n", text);
            Assert.Contains($"\n CPUs: {Environment.ProcessorCount}\n", text);
            Assert.Matches(@"\n Total Memory: \d+(\.\d+)?[KMGT]iB\n", text);
            Assert.Contains($"\n Docker Root Dir: {q.Root}\n", text);
            Assert.Contains($"\n Kernel Version: {File.ReadAllText("/proc/sys/kernel/osrelease").Trim()}\n", text);
            Assert.Equal($"1 0 1 1 {q.Root} {Environment.ProcessorCount}",
                q.Ok("info", "--format", "{{.Containers}} {{.ContainersRunning}} {{.ContainersStopped}} {{.Images}} {{.DockerRootDir}} {{.NCPU}}"));
            using var json = JsonDocument.Parse(q.Ok("info", "--format", "{{json .}}"));
            Assert.Equal(q.Root, json.RootElement.GetProperty("DockerRootDir").GetString());
            // the engine ID is made once per store and kept
            Assert.Equal(json.RootElement.GetProperty("ID").GetString(), q.Ok("info", "--format", "{{.ID}}"));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(q.Root, "engine-id")));
        }
        finally { q.Run("rm", "-f", name); }
    }
}
