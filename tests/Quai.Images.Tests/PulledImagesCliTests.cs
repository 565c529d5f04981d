using Quai.Oci.Image;

namespace Quai.Images.Tests;

/// <summary>What the CLI shows of pulled images: images are pulled into the store through a real
/// <see cref="PullSession"/> (from an OCI layout, see <see cref="PullHost"/>; the registry side is the lead's
/// end-to-end suite), then the published quai lists, inspects, resolves and removes them by repo digest.</summary>
public sealed class PulledImagesCliTests : IDisposable
{
    private readonly TempDir _dir = new("quai-digests");
    private string Root => Path.Combine(_dir.Path, "store");

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    private Tools.Result Quai(params string[] args) => Tools.Run(Tools.Quai, ["--root", Root, .. args]);

    private string Layout(string content)
    {
        var b = new ImageBuilder();
        var (m, _) = b.AddImage([new TarBuilder().File("f", content).Bytes()]);
        return b.WriteLayout(Path.Combine(_dir.Path, "layout-" + Guid.NewGuid().ToString("N")), m);
    }

    private static string ManifestDigest(string layout)
        => ImageJson.ParseIndex(File.ReadAllBytes(Path.Combine(layout, "index.json")), "index").Manifests[0].Digest;

    [RequiresFact("quai")]
    public void Images_digests_inspect_and_rmi_show_and_use_repo_digests_as_Docker_does()
    {
        var appLayout = Layout("app");
        var byDigestLayout = Layout("by digest");
        var app = ManifestDigest(appLayout);
        var other = ManifestDigest(byDigestLayout);
        string appId, otherId;
        using (var store = ImageStore.Open(new ImageStoreOptions { Root = Root }))
        {
            appId = PullHost.Pull(store, appLayout, Reference.Parse("127.0.0.1:5000/app:1")).Id;
            store.AddRepoDigest(appId, $"busybox@{app}");
            otherId = PullHost.Pull(store, byDigestLayout, Reference.Parse("127.0.0.1:5000/other"), tagged: false).Id;
        }
        File.WriteAllBytes(Path.Combine(_dir.Path, "rootfs.tar"), new TarBuilder().File("x", "imported").Bytes());
        var importedId = Quai("import", Path.Combine(_dir.Path, "rootfs.tar"), "local:1").Ok().Stdout.Trim();

        var lines = Quai("images", "--digests").Ok().Stdout.TrimEnd().Split('\n');
        Assert.Matches(@"^REPOSITORY\s+TAG\s+DIGEST\s+IMAGE ID\s+CREATED\s+SIZE$", lines[0]);
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"^127\.0\.0\.1:5000/app\s+1\s+{app}\s+{appId[7..19]}\s"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"^busybox\s+<none>\s+{app}\s+{appId[7..19]}\s"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"^127\.0\.0\.1:5000/other\s+<none>\s+{other}\s+{otherId[7..19]}\s"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"^local\s+1\s+<none>\s+{importedId[7..19]}\s"));
        Assert.Equal(5, lines.Length);

        // without --digests: a digest-only repository is one <none> line; {{.Digest}} shows the tags' digests
        var plain = Quai("images", "--format", "{{.Repository}}|{{.Tag}}|{{.Digest}}").Ok().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order();
        Assert.Equal(["127.0.0.1:5000/app|1|" + app, "127.0.0.1:5000/other|<none>|", "busybox|<none>|", "local|1|<none>"], plain);
        Assert.Equal(otherId[7..19], Quai("images", "-q", "--filter", "dangling=true").Ok().Stdout.Trim());
        Assert.Equal("127.0.0.1:5000/other", Quai("images", "127.0.0.1:5000/other", "--format", "{{.Repository}}").Ok().Stdout.Trim());

        Assert.Equal($"[\"127.0.0.1:5000/app@{app}\",\"busybox@{app}\"]", Quai("image", "inspect", "-f", "{{json .RepoDigests}}", "127.0.0.1:5000/app:1").Ok().Stdout.Trim());
        Assert.Equal("[]", Quai("image", "inspect", "-f", "{{json .RepoDigests}}", "local:1").Ok().Stdout.Trim());
        Assert.Equal(appId, Quai("image", "inspect", "-f", "{{.Id}}", $"127.0.0.1:5000/app@{app}").Ok().Stdout.Trim());
        Assert.Equal(otherId, Quai("image", "inspect", "-f", "{{.Id}}", $"127.0.0.1:5000/other@{other}").Ok().Stdout.Trim());

        Assert.Equal($"Untagged: 127.0.0.1:5000/other@{other}\nDeleted: {otherId}\n", Quai("rmi", $"127.0.0.1:5000/other@{other}").Ok().Stdout);
        // the repository's last tag takes its digest; the image stays for busybox@…
        Assert.Equal($"Untagged: 127.0.0.1:5000/app:1\nUntagged: 127.0.0.1:5000/app@{app}\n", Quai("rmi", "127.0.0.1:5000/app:1").Ok().Stdout);
        Assert.Equal($"busybox|<none>|{app}", Quai("images", "--digests", "--format", "{{.Repository}}|{{.Tag}}|{{.Digest}}", "busybox").Ok().Stdout.Trim());
        Assert.Equal($"Untagged: busybox@{app}\nDeleted: {appId}\n", Quai("rmi", $"busybox@{app}").Ok().Stdout);
        Assert.Equal(importedId[7..19], Quai("images", "-q").Ok().Stdout.Trim());
    }
}
