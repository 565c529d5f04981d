using System.Text.RegularExpressions;

namespace Quai.Engine.IntegrationTests;

/// <summary><c>system df</c> against a store of its own: every row counts what is on disk, in use or not, and what
/// prune then frees is what it said was reclaimable.</summary>
public sealed class DiskUsageTests(QuaiHost q) : IClassFixture<QuaiHost>
{
    private Dictionary<string, string[]> Df()
    {
        var lines = q.Ok("system", "df").Split('\n');
        Assert.Matches(@"^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE$", lines[0]);
        return lines.Skip(1).Select(l => Regex.Split(l.Trim(), @"\s{2,}")).ToDictionary(f => f[0], f => f[1..]);
    }

    [Fact]
    public void SystemDf_CountsImagesContainersAndVolumes_AndPruneFreesWhatItCalledReclaimable()
    {
        var df = Df();
        Assert.Equal(["1", "0"], df["Images"][..2]);
        Assert.Equal(["0", "0", "0B", "0B (0%)"], df["Containers"]);
        Assert.Equal(["0", "0", "0B", "0B (0%)"], df["Local Volumes"]);
        Assert.Equal(["0", "0", "0B", "0B"], df["Build Cache"]);
        var imageSize = df["Images"][2];
        Assert.Equal(imageSize + " (100%)", df["Images"][3]);

        var vol = QuaiHost.Unique("dfv");
        var up = QuaiHost.Unique("dfup");
        var down = QuaiHost.Unique("dfdown");
        try
        {
            // 1 MB in a volume, 300 kB in one writable layer (plus a link to the host's root that must not be walked), 200 kB in another
            q.Ok("run", "-d", "--name", up, "-v", vol + ":/vol", "bb", "sh", "-c",
                "dd if=/dev/zero of=/vol/f bs=1000 count=1000 2>/dev/null; dd if=/dev/zero of=/w bs=1000 count=300 2>/dev/null; ln -s / /host; touch /ready; sleep 120");
            Assert.True(QuaiHost.Eventually(() => q.Run("exec", up, "test", "-f", "/ready").Code == 0, TimeSpan.FromSeconds(10)));
            q.Ok("run", "--name", down, "bb", "dd", "if=/dev/zero", "of=/d", "bs=1000", "count=200");
            df = Df();
            Assert.Equal(["1", "1", imageSize, "0B (0%)"], df["Images"]);
            Assert.Equal(["2", "1"], df["Containers"][..2]);
            Assert.Matches(@"^50\dkB$", df["Containers"][2]);
            Assert.Matches(@"^20\dkB \(\d\d%\)$", df["Containers"][3]);
            Assert.Equal(["1", "1", "1MB", "0B (0%)"], df["Local Volumes"]);

            q.Ok("rm", "-f", up, down);
            df = Df();
            Assert.Equal(["0", "0", "0B", "0B (0%)"], df["Containers"]);
            Assert.Equal(["1", "0", "1MB", "1MB (100%)"], df["Local Volumes"]);
            q.Ok("volume", "rm", vol);

            // what image prune frees is what df called reclaimable, and afterwards nothing is left
            var pruned = q.Ok("image", "prune", "-a", "-f");
            Assert.Contains("Total reclaimed space: " + imageSize, pruned);
            Assert.Equal(["0", "0", "0B", "0B (0%)"], Df()["Images"]);
        }
        finally
        {
            q.Run("rm", "-f", up, down);
            q.Run("volume", "rm", "-f", vol);
        }
    }
}
