using System.Diagnostics;
using System.Text.Json.Nodes;
using Quai.Engine.IntegrationTests;
using Quai.Registry.IntegrationTests.Fixtures;

namespace Quai.Registry.IntegrationTests;

/// <summary>quai pull / push / run --pull against a real docker-registry over plain http (127.0.0.1 is insecure-allowed,
/// as in Docker), with skopeo and podman on the other side.</summary>
public sealed class PullPushTests(PlainRegistryFixture f) : IClassFixture<PlainRegistryFixture>, IDisposable
{
    private readonly RegistryServer _r = f.Registry;
    private readonly RegistryQuai _q = new();
    private readonly TempDir _tmp = new();

    public void Dispose() { _q.Dispose(); _tmp.Dispose(); }

    private (TestImage Image, string Ref) SkopeoPushed(string prefix, long extra = 0, int seed = 0)
    {
        var image = TestImages.Busybox(_tmp.Sub(prefix + "-layout"), tag: "v1", extraLayerBytes: extra, seed: seed);
        return (image, new Skopeo(_r).Push(image, RegistryServer.UniqueRepo(prefix) + ":v1"));
    }

    [Fact]
    public void An_image_pushed_by_skopeo_pulls_and_runs()
    {
        var (image, reference) = SkopeoPushed("pullrun");
        var r = _q.Run("pull", reference);
        Assert.True(r.Code == 0, r.ToString());
        var repo = reference[(reference.IndexOf('/') + 1)..reference.LastIndexOf(':')];
        Assert.Contains($"v1: Pulling from {repo}", r.Out);
        Assert.Contains($"{image.Layers[0].Hex[..12]}: Pull complete", r.Out);
        Assert.Contains($"Digest: {image.Manifest.Digest}", r.Out);
        Assert.Contains($"Status: Downloaded newer image for {reference}", r.Out);
        Assert.Equal(reference, r.Out.Trim().Split('\n')[^1]);

        Assert.Equal("hello", _q.Ok("run", "--rm", reference, "echo", "hello"));
        Assert.Contains($"{reference[..reference.LastIndexOf(':')]}@{image.Manifest.Digest}", _q.Ok("image", "inspect", "-f", "{{json .RepoDigests}}", reference));
        Assert.Contains(image.Manifest.Digest, _q.Ok("images", "--digests"));

        var again = _q.Run("pull", reference);
        Assert.True(again.Code == 0, again.ToString());
        Assert.Contains($"Status: Image is up to date for {reference}", again.Out);

        // by digest, as docker: the image is found through its repo digest
        var byDigest = reference[..reference.LastIndexOf(':')] + "@" + image.Manifest.Digest;
        Assert.Equal("hi", _q.Ok("run", "--rm", byDigest, "echo", "hi"));
    }

    [Fact]
    public void Quiet_prints_only_the_reference()
    {
        var (_, reference) = SkopeoPushed("quiet");
        Assert.Equal(reference, _q.Ok("pull", "-q", reference));
    }

    [Fact]
    public void An_image_pushed_by_quai_reads_back_with_skopeo_and_podman()
    {
        var target = _r.Ref(RegistryServer.UniqueRepo("qpush") + ":v2");
        _q.Ok("tag", "bb", target);
        var r = _q.Run("push", target);
        Assert.True(r.Code == 0, r.ToString());
        Assert.Contains($"The push refers to repository [{target[..target.LastIndexOf(':')]}]", r.Out);
        Assert.Contains(": Pushed", r.Out);
        var line = r.Out.Split('\n').Single(l => l.StartsWith("v2: digest: sha256:", StringComparison.Ordinal));
        var digest = line.Split(' ')[2];

        var skopeo = new Skopeo(_r);
        var inspect = JsonNode.Parse(skopeo.Inspect(target).OrThrow().Out)!;
        Assert.Equal(digest, inspect["Digest"]!.GetValue<string>());
        Assert.True(skopeo.Copy(target, "oci:" + _tmp.Sub("copy") + ":v2").Ok);

        using var podman = new Podman();
        var pulled = podman.Pull(_r, target);
        Assert.True(pulled.Ok, pulled.ToString());
        Assert.Contains(digest, podman.Run("image", "inspect", "--format", "{{.Digest}}", target).OrThrow().Out);

        // pushing again: every layer is already there
        var second = _q.Run("push", target);
        Assert.True(second.Code == 0, second.ToString());
        Assert.Contains("Layer already exists", second.Out);
        Assert.Contains($"{target[..target.LastIndexOf(':')]}@{digest}", _q.Ok("image", "inspect", "-f", "{{json .RepoDigests}}", target));
    }

    [Fact]
    public void What_was_pulled_pushes_back_with_the_same_digest_mounting_its_layers()
    {
        var (image, reference) = SkopeoPushed("roundtrip");
        _q.Ok("pull", reference);
        var other = _r.Ref(RegistryServer.UniqueRepo("roundtrip-copy") + ":v1");
        _q.Ok("tag", reference, other);
        var r = _q.Run("push", other);
        Assert.True(r.Code == 0, r.ToString());
        Assert.Contains("Mounted from", r.Out);
        Assert.Contains($"v1: digest: {image.Manifest.Digest} size: {image.Manifest.Size}", r.Out);
        Assert.Equal(image.ManifestBytes, System.Text.Encoding.UTF8.GetBytes(new Skopeo(_r).Inspect(other, raw: true).OrThrow().Out));
    }

    [Fact]
    public void A_multi_arch_index_resolves_to_the_host_and_platform_picks_arm64()
    {
        var index = TestImages.MultiArch(_tmp.Sub("multi"), "v1");
        var reference = new Skopeo(_r).Push(index, RegistryServer.UniqueRepo("multi") + ":v1");
        var r = _q.Run("pull", reference);
        Assert.True(r.Code == 0, r.ToString());
        Assert.Contains($"Digest: {index.Index.Digest}", r.Out);
        Assert.Equal("amd64", _q.Ok("image", "inspect", "-f", "{{.Architecture}}", reference));
        Assert.Equal("hi", _q.Ok("run", "--rm", reference, "echo", "hi"));

        var arm = _r.Ref(RegistryServer.UniqueRepo("multi-arm") + ":v1");
        new Skopeo(_r).Push(index, arm[(arm.IndexOf('/') + 1)..]);
        var a = _q.Run("pull", "--platform", "linux/arm64", arm);
        Assert.True(a.Code == 0, a.ToString());
        Assert.Equal("arm64", _q.Ok("image", "inspect", "-f", "{{.Architecture}}", arm));

        var armDigests = _q.Ok("image", "inspect", "-f", "{{json .RepoDigests}}", arm);
        Assert.True(armDigests.Contains(index.Index.Digest), $"{armDigests} lacks the index digest {index.Index.Digest}; pull said: {a.Out}");

        // --all-platforms keeps the whole index: every platform runs, and it pushes back as the same index
        var all = _r.Ref(RegistryServer.UniqueRepo("multi-all") + ":v1");
        new Skopeo(_r).Push(index, all[(all.IndexOf('/') + 1)..]);
        var k = _q.Run("pull", "--all-platforms", all);
        Assert.True(k.Code == 0, k.ToString());
        Assert.Equal("arm64", _q.Ok("run", "--rm", "--platform", "linux/arm64", all, "cat", "/etc/quai-arch").Trim());
        var copy = _r.Ref(RegistryServer.UniqueRepo("multi-copy") + ":v1");
        _q.Ok("tag", all, copy);
        var pushed = _q.Run("push", copy);
        Assert.True(pushed.Code == 0, pushed.ToString());
        Assert.Contains($"v1: digest: {index.Index.Digest}", pushed.Out);

        var none = _q.Run("pull", "--platform", "linux/s390x", reference);
        Assert.Equal(1, none.Code);
        Assert.Contains("no matching manifest for linux/s390x in the manifest list entries", none.Err);
    }

    [Fact]
    public void A_tampered_blob_fails_with_a_digest_error_and_stores_nothing()
    {
        // the extra layer (its own seed) is this test's alone: blobs are shared by every repository of the registry
        var (image, reference) = SkopeoPushed("tamper", extra: 256 * 1024, seed: 11);
        var path = _r.BlobDataPath(image.Layers[1].Digest);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
        var before = _q.Blobs();
        var r = _q.Run("pull", reference);
        Assert.Equal(1, r.Code);
        Assert.Contains("digest", r.Err);
        Assert.Contains(image.Layers[1].Digest, r.Err);
        Assert.DoesNotContain(reference[..reference.LastIndexOf(':')], _q.Ok("images", "--format", "{{.Repository}}"));
        _q.Ok("images"); // a later command collects what the failed pull's lease held
        Assert.Equal(before, _q.Blobs());
    }

    [Fact]
    public void Unknown_tag_and_repository_give_dockers_message()
    {
        var (_, reference) = SkopeoPushed("unknown");
        var name = reference[..reference.LastIndexOf(':')];
        var tag = _q.Run("pull", name + ":nope");
        Assert.Equal(1, tag.Code);
        Assert.Contains($"manifest for {name}:nope not found: manifest unknown", tag.Err);
        var repo = _q.Run("pull", _r.Ref("no-such-repo-" + Guid.NewGuid().ToString("N")[..8] + ":v1"));
        Assert.Equal(1, repo.Code);
        Assert.Contains("not found", repo.Err);
    }

    [Fact]
    public void Run_pulls_a_missing_image_and_never_does_not()
    {
        var (_, reference) = SkopeoPushed("runpull");
        var never = _q.Run("run", "--rm", "--pull", "never", reference, "true");
        Assert.Equal(125, never.Code);
        Assert.Contains("No such image", never.Err);
        var r = _q.Run("run", "--rm", reference, "echo", "pulled");
        Assert.True(r.Code == 0, r.ToString());
        Assert.Equal("pulled", r.Out.Trim());
        Assert.Contains($"Unable to find image '{reference}' locally", r.Err);
        Assert.Contains("Pull complete", r.Err);
        var always = _q.Run("run", "--rm", "--pull", "always", reference, "echo", "again");
        Assert.True(always.Code == 0, always.ToString());
        Assert.Contains("Image is up to date", always.Err);
        var bad = _q.Run("run", "--rm", "--pull", "sometimes", reference, "true");
        Assert.Equal(125, bad.Code);
        Assert.Contains("invalid pull option: 'sometimes'", bad.Err);
    }

    [Fact]
    public void Build_pulls_its_missing_base_image()
    {
        var (_, reference) = SkopeoPushed("buildbase");
        var ctx = _tmp.Sub("ctx");
        Directory.CreateDirectory(ctx);
        File.WriteAllText(Path.Combine(ctx, "Dockerfile"), $"FROM {reference}\nRUN echo built > /built\n");
        var tag = "pulledbase-" + Guid.NewGuid().ToString("N")[..8];
        var r = _q.Q.RunWith(null, TimeSpan.FromSeconds(180), "build", "-q", "-t", tag, ctx);
        Assert.True(r.Code == 0, r.ToString());
        Assert.Equal("built", _q.Ok("run", "--rm", tag, "cat", "/built"));
    }

    [Fact]
    public void All_tags_pulls_every_tag()
    {
        var image = TestImages.Busybox(_tmp.Sub("alltags"), tag: "v1");
        var repo = RegistryServer.UniqueRepo("alltags");
        var skopeo = new Skopeo(_r);
        skopeo.Push(image, repo + ":a");
        skopeo.Push(image, repo + ":b");
        var r = _q.Run("pull", "-a", _r.Ref(repo));
        Assert.True(r.Code == 0, r.ToString());
        Assert.Contains("a: Pulling from " + repo, r.Out);
        Assert.Contains("b: Pulling from " + repo, r.Out);
        var tags = _q.Ok("images", "--format", "{{.Tag}}", _r.Ref(repo)).Split('\n').Order().ToArray();
        Assert.Equal(["a", "b"], tags);
        Assert.Equal(125, _q.Run("pull", "-a", _r.Ref(repo + ":a")).Code);
    }

    [Fact]
    public void Push_all_tags_and_quiet()
    {
        var repo = _r.Ref(RegistryServer.UniqueRepo("pushall"));
        _q.Ok("tag", "bb", repo + ":x");
        _q.Ok("tag", "bb", repo + ":y");
        Assert.Equal(repo, _q.Ok("push", "-a", "-q", repo));
        var tags = new Skopeo(_r).Run("list-tags", "--tls-verify=false", "docker://" + repo).OrThrow().Out;
        Assert.Contains("\"x\"", tags);
        Assert.Contains("\"y\"", tags);
        Assert.Equal(125, _q.Run("push", "-a", repo + ":x").Code);
    }

    [Fact]
    public void Push_of_a_missing_image_says_so()
    {
        var r = _q.Run("push", _r.Ref("never-tagged-" + Guid.NewGuid().ToString("N")[..8] + ":v1"));
        Assert.Equal(1, r.Code);
        Assert.Contains("An image does not exist locally with the tag", r.Err);
    }

    [Fact]
    public void A_dropped_connection_resumes_with_range()
    {
        var (image, _) = SkopeoPushed("resume", extra: 4 << 20, seed: 7);
        using var proxy = new CuttingProxy(_r, cutFirst: 1, cutAfterBytes: 256 * 1024);
        var repo = RegistryServer.UniqueRepo("resume");
        new Skopeo(_r).Push(image, repo + ":v1");
        var reference = proxy.Ref(repo + ":v1");
        var r = _q.Run("pull", reference);
        Assert.True(r.Code == 0, r + "\nproxy: " + string.Join("\n", proxy.Requests));
        Assert.True(proxy.Cuts > 0, "the proxy never cut a download");
        Assert.Contains(proxy.RangeHeaders, h => h.StartsWith("bytes=", StringComparison.Ordinal) && !h.StartsWith("bytes=0-", StringComparison.Ordinal));
        Assert.Equal("hi", _q.Ok("run", "--rm", reference, "echo", "hi"));
    }

    [Fact]
    public void A_registry_that_hangs_fails_within_the_configured_time()
    {
        using var hang = new HangingServer(HangMode.NeverAnswers);
        _q.Q.Env["QUAI_REGISTRY_TIMEOUT"] = "2";
        try
        {
            var sw = Stopwatch.StartNew();
            var r = _q.Run("pull", hang.Host + "/app:v1");
            Assert.NotEqual(0, r.Code);
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60), $"pull took {sw.Elapsed}");
            Assert.Contains(hang.Host, r.Err);
        }
        finally { _q.Q.Env.Remove("QUAI_REGISTRY_TIMEOUT"); }
    }

    [Theory]
    [InlineData("registry.pull.manifest")]
    [InlineData("registry.pull.layer")]
    [InlineData("registry.pull.commit")]
    public void A_pull_killed_at_each_step_leaves_nothing_the_next_command_does_not_clean(string point)
    {
        var (_, reference) = SkopeoPushed("killed", extra: 1 << 20, seed: 3);
        var before = _q.Blobs();
        _q.Q.Env["QUAI_FAULT"] = point;
        Result killed;
        try { killed = _q.Run("pull", reference); }
        finally { _q.Q.Env.Remove("QUAI_FAULT"); }
        Assert.Equal(137, killed.Code);
        Assert.DoesNotContain(reference[..reference.LastIndexOf(':')], _q.Ok("images", "--format", "{{.Repository}}"));
        Assert.Equal(before, _q.Blobs());
        _q.Ok("pull", reference);
        Assert.Equal("ok", _q.Ok("run", "--rm", reference, "echo", "ok"));
    }
}
