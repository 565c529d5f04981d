using System.Diagnostics;
using System.Text.Json;

namespace Quai.Engine.IntegrationTests;

/// <summary><c>quai events</c> over the store's journal, written by the CLI and by the container monitors.</summary>
public sealed class EventsTests(QuaiHost q) : IClassFixture<QuaiHost>
{
    private List<string> Past(params string[] filterAndFormat) =>
        q.Ok(["events", "--since", "5m", "--until", "0s", .. filterAndFormat]).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();

    [Fact]
    public void ContainerLifecycle_IsInTheJournal_WithDockersAttributes()
    {
        var name = QuaiHost.Unique("ev");
        var renamed = name + "-r";
        try
        {
            Assert.Equal(3, q.Run("run", "--name", name, "--label", "tier=front", "bb", "sh", "-c", "exit 3").Code);
            var id = q.Inspect(name, "{{.Id}}");
            q.Ok("start", name);
            Assert.True(QuaiHost.Eventually(() => q.Inspect(name, "{{.State.Status}}") == "exited", TimeSpan.FromSeconds(10)));
            q.Ok("rename", name, renamed);
            q.Ok("rm", renamed);
            var actions = Past("--filter", "container=" + id, "--format", "{{.Type}} {{.Action}}={{index .Actor.Attributes \"exitCode\"}}");
            Assert.Equal(["container create=", "container start=", "container die=3", "container start=", "container die=3", "container rename=", "container destroy="], actions);
            // the JSON line has dockerd's shape
            var json = Past("--filter", "container=" + id, "--filter", "event=die", "--format", "json")[0];
            using var doc = JsonDocument.Parse(json);
            var r = doc.RootElement;
            Assert.Equal("container", r.GetProperty("Type").GetString());
            Assert.Equal(id, r.GetProperty("Actor").GetProperty("ID").GetString());
            Assert.Equal("front", r.GetProperty("Actor").GetProperty("Attributes").GetProperty("tier").GetString());
            Assert.Equal("bb", r.GetProperty("Actor").GetProperty("Attributes").GetProperty("image").GetString());
            Assert.Equal("local", r.GetProperty("scope").GetString());
            Assert.Equal(r.GetProperty("time").GetInt64(), r.GetProperty("timeNano").GetInt64() / 1_000_000_000);
            // docker's default line: RFC3339 with nanoseconds, type, action, ID, sorted attributes
            var line = Past("--filter", "container=" + id, "--filter", "event=rename")[0];
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(Z|[+-]\d\d:\d\d) container rename " + id + @" \(image=bb, name=" + renamed + @", oldName=/" + name + @", tier=front\)$", line);
            // label and type filters
            Assert.Equal(7, Past("--filter", "label=tier=front", "--filter", "container=" + id).Count);
            Assert.Empty(Past("--filter", "type=volume", "--filter", "container=" + id));
        }
        finally { q.Run("rm", "-f", name); q.Run("rm", "-f", renamed); }
    }

    [Fact]
    public void KillPauseAndExec_AreReported()
    {
        var name = QuaiHost.Unique("evk");
        try
        {
            var id = q.Ok("run", "-d", "--name", name, "bb", "sleep", "60");
            q.Ok("pause", name);
            q.Ok("unpause", name);
            Assert.Equal(0, q.Run("exec", name, "true").Code);
            q.Ok("kill", "-s", "KILL", name);
            Assert.True(QuaiHost.Eventually(() => q.Inspect(name, "{{.State.Status}}") == "exited", TimeSpan.FromSeconds(10)));
            var actions = Past("--filter", "container=" + id, "--format", "{{.Action}}|{{index .Actor.Attributes \"signal\"}}{{index .Actor.Attributes \"exitCode\"}}");
            Assert.Equal(["create|", "start|", "pause|", "unpause|", "exec_create: true|", "exec_start: true|", "exec_die|0", "kill|9", "die|137"], actions);
        }
        finally { q.Run("rm", "-f", name); }
    }

    [Fact]
    public void ImageAndVolumeEvents_AreReported()
    {
        var tag = QuaiHost.Unique("evimg") + ":v1";
        var vol = QuaiHost.Unique("evvol");
        q.Ok("tag", "bb", tag);
        q.Ok("rmi", tag);
        q.Ok("volume", "create", vol);
        q.Ok("volume", "rm", vol);
        var image = Past("--filter", "type=image", "--filter", "image=" + tag, "--format", "{{.Action}} {{.Actor.Attributes.name}}");
        Assert.Equal([$"tag {tag}", $"untag {tag}"], image.Select(l => l.Replace("docker.io/library/", "")).ToList());
        Assert.Equal(["create", "destroy"], Past("--filter", "volume=" + vol, "--format", "{{.Action}}"));
    }

    [Fact]
    public void Follow_ShowsNewEventsUntilInterrupted()
    {
        var name = QuaiHost.Unique("evf");
        using var p = q.Start(["events", "--filter", "container=" + name, "--format", "{{.Action}}"], defaultSigint: true);
        try
        {
            Thread.Sleep(500); // the follower has taken its position
            q.Ok("run", "--name", name, "bb", "true");
            var lines = new List<string>();
            var reader = Task.Run(() =>
            {
                while (p.StandardOutput.ReadLine() is { } l) { lock (lines) lines.Add(l); }
            });
            Assert.True(QuaiHost.Eventually(() => { lock (lines) return lines.Contains("die"); }, TimeSpan.FromSeconds(10)), string.Join(",", lines));
            Assert.Equal(["create", "start", "die"], lines);
            Process.Start("kill", ["-INT", p.Id.ToString()])!.WaitForExit();
            Assert.True(p.WaitForExit(5000));
            Assert.Equal(0, p.ExitCode);
        }
        finally
        {
            if (!p.HasExited) p.Kill();
            q.Run("rm", "-f", name);
        }
    }

    [Fact]
    public void Until_EndsTheStream_AndBadInputIsRefused()
    {
        var sw = Stopwatch.StartNew();
        var r = q.RunWith(null, TimeSpan.FromSeconds(20), "events", "--until", DateTimeOffset.UtcNow.AddSeconds(1).ToUnixTimeSeconds().ToString());
        Assert.Equal(0, r.Code);
        Assert.InRange(sw.Elapsed.TotalSeconds, 0, 10);
        var bad = q.Run("events", "--since", "yesterday");
        Assert.Equal(125, bad.Code);
        Assert.Contains("failed to parse value as time or duration", bad.Err);
        bad = q.Run("events", "--filter", "bogus=1", "--until", "0s");
        Assert.Equal(125, bad.Code);
        Assert.Contains("invalid filter 'bogus'", bad.Err);
    }
}
