using System.Text.Json.Nodes;
using Quai.Engine.IntegrationTests;
using Quai.Registry.IntegrationTests.Fixtures;

namespace Quai.Registry.IntegrationTests;

/// <summary>quai killed with SIGKILL in the middle of a pull or a push (QUAI_FAULT): `image prune -f` after a
/// killed pull leaves the store as it was; a push run again after a killed one completes and reads back.</summary>
public sealed class PushCrashTests(PlainRegistryFixture f) : IClassFixture<PlainRegistryFixture>, IDisposable
{
    private readonly RegistryServer _r = f.Registry;
    private readonly RegistryQuai _q = new();
    private readonly TempDir _tmp = new();

    public void Dispose() { _q.Dispose(); _tmp.Dispose(); }

    private Result Killed(string point, params string[] args)
    {
        _q.Q.Env["QUAI_FAULT"] = point;
        try { return _q.Run(args); }
        finally { _q.Q.Env.Remove("QUAI_FAULT"); }
    }

    [Theory]
    [InlineData("registry.pull.manifest")]
    [InlineData("registry.pull.layer")]
    [InlineData("registry.pull.commit")]
    public void A_killed_pull_then_image_prune_leaves_nothing(string point)
    {
        var image = TestImages.Busybox(_tmp.Sub("layout"), tag: "v1", extraLayerBytes: 512 * 1024, seed: 31);
        var reference = new Skopeo(_r).Push(image, RegistryServer.UniqueRepo("prunekill") + ":v1");
        var before = Untouched.Snapshot(_q);
        var killed = Killed(point, "pull", reference);
        Assert.True(killed.Code == 137, killed.ToString());
        _q.Ok("image", "prune", "-f");
        Assert.Equal(before.Images, Untouched.Images(_q));
        Assert.True(before.Blobs.SetEquals(_q.Blobs()), $"left: {string.Join(' ', _q.Blobs().Except(before.Blobs))}");
    }

    [Fact]
    public void A_killed_push_run_again_completes_and_reads_back()
    {
        var target = _r.Ref(RegistryServer.UniqueRepo("pushkill") + ":v1");
        _q.Ok("tag", "bb", target);
        var skopeo = new Skopeo(_r);
        var killed = Killed("registry.push.blob", "push", target);
        Assert.True(killed.Code == 137, killed.ToString());
        Assert.False(skopeo.Inspect(target).Ok, "a killed push left a tag in the registry");

        var again = _q.Run("push", target);
        Assert.True(again.Code == 0, again.ToString());
        var digest = again.Out.Split('\n').Single(l => l.StartsWith("v1: digest: sha256:", StringComparison.Ordinal)).Split(' ')[2];
        var inspect = JsonNode.Parse(skopeo.Inspect(target).OrThrow().Out)!;
        Assert.Equal(digest, inspect["Digest"]!.GetValue<string>());
        Assert.True(skopeo.Copy(target, "oci:" + _tmp.Sub("copy") + ":v1").Ok);
    }
}
