using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Quai.Engine.IntegrationTests;
using Quai.Registry.IntegrationTests.Fixtures;

namespace Quai.Registry.IntegrationTests;

/// <summary>A plain docker-registry and one quai store shared by the manifest tests (unique repositories per test).</summary>
public sealed class ManifestFixture : IDisposable
{
    public RegistryServer Registry { get; } = RegistryServer.Plain();
    public QuaiHost Quai { get; }
    public TempDir Dir { get; } = new();

    public ManifestFixture()
    {
        try { Quai = new QuaiHost(); }
        catch { Registry.Dispose(); Dir.Dispose(); throw; }
    }

    public void Dispose()
    {
        Quai.Dispose();
        Registry.Dispose();
        Dir.Dispose();
    }
}

/// <summary><c>quai manifest</c> against the real docker-registry 2.8: images pushed by skopeo (OCI) or over the plain
/// API (Docker media types), lists made, annotated and pushed by the published quai, and read back by skopeo.</summary>
public sealed class ManifestTests(ManifestFixture f) : IClassFixture<ManifestFixture>
{
    private readonly RegistryServer _r = f.Registry;
    private readonly QuaiHost _q = f.Quai;
    private string ManifestsDir => Path.Combine(_q.Root, "manifests");

    private Result Quai(params string[] args) => _q.Run(args);

    private string Ok(params string[] args)
    {
        var r = _q.Run(args);
        Assert.True(r.Code == 0, $"quai {string.Join(' ', args)}: {r}\nregistry log:\n{_r.Log}");
        return r.Out;
    }

    private static string Sha256(string text) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>linux/amd64 and linux/arm64/v8 busybox images in two repositories; returns their references.</summary>
    private (TestImage Amd, TestImage Arm, string AmdRef, string ArmRef) TwoImages(bool docker = false)
    {
        var layout = f.Dir.Sub(Guid.NewGuid().ToString("N"));
        var amd = TestImages.Busybox(layout, "amd64", "amd", docker: docker);
        var arm = TestImages.Busybox(layout, "arm64", "arm", docker: docker);
        string amdRef, armRef;
        if (docker)
        {
            using var raw = new RawPush(_r);
            amdRef = raw.Push(amd, RegistryServer.UniqueRepo("amd"), "v1");
            armRef = raw.Push(arm, RegistryServer.UniqueRepo("arm"), "v1");
        }
        else
        {
            var skopeo = new Skopeo(_r);
            amdRef = skopeo.Push(amd, RegistryServer.UniqueRepo("amd") + ":v1");
            armRef = skopeo.Push(arm, RegistryServer.UniqueRepo("arm") + ":v1");
        }
        return (amd, arm, amdRef, armRef);
    }

    [Fact]
    public void Create_annotate_push_puts_a_list_of_both_platforms_and_their_manifests_into_the_target_repository()
    {
        var (amd, arm, amdRef, armRef) = TwoImages();
        var list = _r.Ref(RegistryServer.UniqueRepo("multi") + ":latest");

        Assert.Equal($"Created manifest list {list}\n", Ok("manifest", "create", list, amdRef, armRef));
        Ok("manifest", "annotate", "--os-version", "10.1", "--os-features", "f1,f2", "--os-features", "f1", list, armRef);
        var file = Directory.GetFiles(ManifestsDir).Single(p => Path.GetFileName(p).StartsWith(list.Replace(':', '%').Replace('/', '#')));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(ManifestsDir));

        // the local list prints as it will be pushed
        var local = Ok("manifest", "inspect", list);
        var localJson = JsonNode.Parse(local)!;
        Assert.Equal(TestImages.IndexType, localJson["mediaType"]!.GetValue<string>());
        Assert.StartsWith("{\n   \"schemaVersion\": 2,\n   \"mediaType\": ", local);

        var push = Ok("manifest", "push", list).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var repo = list[..list.LastIndexOf(':')];
        Assert.Equal([
            $"Pushed ref {repo}@{amd.Manifest.Digest} with digest: {amd.Manifest.Digest}",
            $"Pushed ref {repo}@{arm.Manifest.Digest} with digest: {arm.Manifest.Digest}",
        ], push[..2]);
        var digest = push[2];
        Assert.Equal(3, push.Length);

        var skopeo = new Skopeo(_r);
        var raw = skopeo.Inspect(list, raw: true).OrThrow().Out;
        Assert.Equal(digest, Sha256(raw));
        Assert.Equal(local.TrimEnd('\n'), raw);
        var index = JsonNode.Parse(raw)!;
        Assert.Equal(TestImages.IndexType, index["mediaType"]!.GetValue<string>());
        var entries = index["manifests"]!.AsArray();
        Assert.Equal(2, entries.Count);
        Assert.Equal(amd.Manifest.Digest, entries[0]!["digest"]!.GetValue<string>());
        Assert.Equal(amd.Manifest.Size, entries[0]!["size"]!.GetValue<long>());
        Assert.Equal("amd64", entries[0]!["platform"]!["architecture"]!.GetValue<string>());
        Assert.Equal("linux", entries[0]!["platform"]!["os"]!.GetValue<string>());
        Assert.Equal("arm64", entries[1]!["platform"]!["architecture"]!.GetValue<string>());
        Assert.Equal("v8", entries[1]!["platform"]!["variant"]!.GetValue<string>());
        Assert.Equal("10.1", entries[1]!["platform"]!["os.version"]!.GetValue<string>());
        Assert.Equal(["f1", "f2"], entries[1]!["platform"]!["os.features"]!.AsArray().Select(n => n!.GetValue<string>()));

        // the images are in the target repository now: every blob copies out of it
        Assert.Equal(Encoding.UTF8.GetString(arm.ManifestBytes), skopeo.Inspect($"{repo}@{arm.Manifest.Digest}", raw: true).OrThrow().Out);
        var copied = skopeo.Copy(list, "oci:" + f.Dir.Sub(Guid.NewGuid().ToString("N")) + ":all", "--all");
        Assert.True(copied.Ok, copied + "\n" + _r.Log);

        // with the local list gone, inspect reads the registry's: the same bytes
        Ok("manifest", "rm", list);
        Assert.Equal(raw + "\n", Ok("manifest", "inspect", list));
        var rm = Quai("manifest", "rm", list);
        Assert.Equal(1, rm.Code);
        Assert.Equal($"Error: No such manifest: {list}\n", rm.Err);
    }

    [Fact]
    public void Docker_manifests_make_a_docker_manifest_list_and_purge_drops_the_local_one()
    {
        var (amd, arm, amdRef, armRef) = TwoImages(docker: true);
        var list = _r.Ref(RegistryServer.UniqueRepo("dlist") + ":v2");
        Ok("manifest", "create", list, amdRef, armRef);
        var digest = Ok("manifest", "push", "--purge", list).Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];

        var raw = new Skopeo(_r).Inspect(list, raw: true).OrThrow().Out;
        Assert.Equal(digest, Sha256(raw));
        var json = JsonNode.Parse(raw)!;
        Assert.Equal(TestImages.DockerListType, json["mediaType"]!.GetValue<string>());
        Assert.All(json["manifests"]!.AsArray(), m => Assert.Equal(TestImages.DockerManifestType, m!["mediaType"]!.GetValue<string>()));
        Assert.Equal([amd.Manifest.Digest, arm.Manifest.Digest], json["manifests"]!.AsArray().Select(m => m!["digest"]!.GetValue<string>()));
        Assert.Empty(Directory.GetFiles(ManifestsDir).Where(p => Path.GetFileName(p).Contains(list.Split('/')[1].Split(':')[0])));
        Assert.Equal($"Error: No such manifest: {list}\n", Quai("manifest", "rm", list).Err);
    }

    [Fact]
    public void Inspect_of_a_registry_manifest_prints_it_tab_indented_and_verbose_adds_its_platform()
    {
        var (_, arm, _, armRef) = TwoImages();
        var plain = Ok("manifest", "inspect", armRef);
        // the manifest's own bytes, tab-indented, escapes kept (TestImages wrote them with System.Text.Json's default
        // encoder, '+' as \u002B; its indented writer lays JSON out as Go's json.Indent does)
        var tabbed = JsonNode.Parse(arm.ManifestBytes)!.ToJsonString(new System.Text.Json.JsonSerializerOptions
        {
            WriteIndented = true, IndentCharacter = '\t', IndentSize = 1, NewLine = "\n",
        });
        Assert.Equal(tabbed + "\n", plain);
        Assert.Equal(arm.Config.Digest, JsonNode.Parse(plain)!["config"]!["digest"]!.GetValue<string>());

        var verbose = JsonNode.Parse(Ok("manifest", "inspect", "-v", armRef))!;
        Assert.Equal(armRef, verbose["Ref"]!.GetValue<string>());
        Assert.Equal(arm.Manifest.Digest, verbose["Descriptor"]!["digest"]!.GetValue<string>());
        Assert.Equal(arm.Manifest.Size, verbose["Descriptor"]!["size"]!.GetValue<long>());
        Assert.Equal("arm64", verbose["Descriptor"]!["platform"]!["architecture"]!.GetValue<string>());
        Assert.Equal("v8", verbose["Descriptor"]!["platform"]!["variant"]!.GetValue<string>());
        Assert.Equal(arm.ManifestBytes, Convert.FromBase64String(verbose["Raw"]!.GetValue<string>()));
        Assert.NotNull(verbose["OCIManifest"]);

        var missing = Quai("manifest", "inspect", armRef + "-nope");
        Assert.Equal(1, missing.Code);
        Assert.Equal($"Error: no such manifest: {armRef}-nope\n", missing.Err);
    }

    [Fact]
    public void Inspect_verbose_of_a_registry_index_lists_its_images_with_the_index_platforms()
    {
        var index = TestImages.MultiArch(f.Dir.Sub(Guid.NewGuid().ToString("N")), "multi");
        var pushed = new Skopeo(_r).Push(index, RegistryServer.UniqueRepo("idx") + ":multi");
        var plain = Ok("manifest", "inspect", pushed);
        Assert.Equal(Encoding.UTF8.GetString(index.IndexBytes), JsonNode.Parse(plain)!.ToJsonString());
        var entries = JsonNode.Parse(Ok("manifest", "inspect", "--verbose", pushed))!.AsArray();
        Assert.Equal(["amd64", "arm64"], entries.Select(e => e!["Descriptor"]!["platform"]!["architecture"]!.GetValue<string>()));
        Assert.Equal($"{pushed}@{index.Images[1].Manifest.Digest}", entries[1]!["Ref"]!.GetValue<string>());
        Assert.Equal(index.Images[1].ManifestBytes, Convert.FromBase64String(entries[1]!["Raw"]!.GetValue<string>()));
    }

    [Fact]
    public void Create_refuses_a_list_a_missing_manifest_and_an_existing_list_without_amend()
    {
        var (_, _, amdRef, armRef) = TwoImages();
        var index = new Skopeo(_r).Push(TestImages.MultiArch(f.Dir.Sub(Guid.NewGuid().ToString("N")), "multi"), RegistryServer.UniqueRepo("idx") + ":multi");
        var list = _r.Ref(RegistryServer.UniqueRepo("refuse") + ":v1");
        string[] Files() => Directory.Exists(ManifestsDir) ? Directory.GetFiles(ManifestsDir).Where(p => p.Contains(list.Split('/')[1].Split(':')[0])).ToArray() : [];

        var r = Quai("manifest", "create", list, amdRef, index);
        Assert.Equal(1, r.Code);
        Assert.Equal($"Error: {index} is a manifest list\n", r.Err);
        Assert.Empty(Files());

        r = Quai("manifest", "create", list, amdRef + "-nope");
        Assert.Equal($"Error: no such manifest: {amdRef}-nope\n", r.Err);
        Assert.Empty(Files());

        Ok("manifest", "create", list, amdRef);
        r = Quai("manifest", "create", list, armRef);
        Assert.Equal(1, r.Code);
        Assert.Equal("Error: refusing to amend an existing manifest list with no --amend flag\n", r.Err);
        Ok("manifest", "create", "--amend", list, armRef);
        var local = JsonNode.Parse(Ok("manifest", "inspect", list))!;
        Assert.Equal(2, local["manifests"]!.AsArray().Count);

        r = Quai("manifest", "annotate", "--arch", "vax", list, armRef);
        Assert.Equal("Error: manifest entry for image has unsupported os/arch combination: linux/vax\n", r.Err);
        r = Quai("manifest", "annotate", "--arch", "arm", list, "busybox");
        Assert.Equal($"Error: manifest for image busybox does not exist in {list}\n", r.Err);
        // inspect LIST MANIFEST reads the entry
        var entry = JsonNode.Parse(Ok("manifest", "inspect", "-v", list, armRef))!;
        Assert.Equal("arm64", entry["Descriptor"]!["platform"]!["architecture"]!.GetValue<string>());
        Ok("manifest", "rm", list);
        Assert.Empty(Files());
    }

    [Fact]
    public void Push_refuses_images_of_another_registry_and_rm_reports_every_missing_list()
    {
        var (_, _, amdRef, _) = TwoImages();
        var other = amdRef.Replace("127.0.0.1:", "localhost:");
        var list = _r.Ref(RegistryServer.UniqueRepo("cross") + ":v1");
        Ok("manifest", "create", list, other);
        var r = Quai("manifest", "push", list);
        Assert.Equal(1, r.Code);
        Assert.Equal($"Error: cannot use source images from a different registry than the target image: localhost:{_r.Port} != 127.0.0.1:{_r.Port}\n", r.Err);
        Assert.False(new Skopeo(_r).Inspect(list, raw: true).Ok, "a refused push put the list");

        var missing = _r.Ref("never-made:v1");
        r = Quai("manifest", "rm", list, missing, "127.0.0.1:1/none");
        Assert.Equal(1, r.Code);
        Assert.Equal($"Error: No such manifest: {missing}\nNo such manifest: 127.0.0.1:1/none:latest\n", r.Err);
        // the list was removed: inspect asks the registry, which has none
        Assert.Equal($"Error: no such manifest: {list}\n", Quai("manifest", "inspect", list).Err);
    }
}

/// <summary>The same flow against a token-auth registry with credentials from a docker config.json: the cross-repository
/// mounts need a token for push on the target and pull on the source repository.</summary>
public sealed class ManifestTokenTests(TokenRegistryFixture f) : IClassFixture<TokenRegistryFixture>
{
    private readonly RegistryServer _r = f.Registry;

    [Fact]
    public void Create_and_push_with_credentials_from_the_docker_config()
    {
        using var tmp = new TempDir();
        var skopeo = new Skopeo(_r);
        var amd = skopeo.Push(TestImages.Busybox(tmp.Sub("layout"), "amd64", "amd"), RegistryServer.UniqueRepo("amd") + ":v1");
        var arm = skopeo.Push(TestImages.Busybox(tmp.Sub("layout"), "arm64", "arm"), RegistryServer.UniqueRepo("arm") + ":v1");
        var list = _r.Ref(RegistryServer.UniqueRepo("multi") + ":v1");

        var dockerConfig = tmp.Sub("docker");
        Directory.CreateDirectory(dockerConfig);
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_r.User}:{_r.Password}"));
        File.WriteAllText(Path.Combine(dockerConfig, "config.json"), $"{{\"auths\":{{\"{_r.Host}\":{{\"auth\":\"{auth}\"}}}}}}");
        ToolResult Quai(params string[] args) => Tool.Run(QuaiHost.Bin, ["--root", tmp.Sub("store"), .. args], TimeSpan.FromSeconds(60),
            env: new Dictionary<string, string> { ["DOCKER_CONFIG"] = dockerConfig, ["QUAI_ROOT"] = "" });

        var anonymous = Tool.Run(QuaiHost.Bin, ["--root", tmp.Sub("store"), "manifest", "create", list, amd], TimeSpan.FromSeconds(60),
            env: new Dictionary<string, string> { ["DOCKER_CONFIG"] = tmp.Sub("none") });
        Assert.NotEqual(0, anonymous.Code);

        var created = Quai("manifest", "create", list, amd, arm);
        Assert.True(created.Ok, created + "\n" + _r.Log);
        var pushed = Quai("manifest", "push", list);
        Assert.True(pushed.Ok, pushed + "\n" + _r.Log);
        var digest = pushed.Out.Trim().Split('\n')[^1];
        var raw = skopeo.Inspect(list, raw: true).OrThrow().Out;
        Assert.Equal(digest, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(raw))));
        Assert.Equal(["amd64", "arm64"], JsonNode.Parse(raw)!["manifests"]!.AsArray().Select(m => m!["platform"]!["architecture"]!.GetValue<string>()));
        var copied = skopeo.Copy(list, "oci:" + tmp.Sub("out") + ":all", "--all");
        Assert.True(copied.Ok, copied + "\n" + _r.Log);
    }
}
