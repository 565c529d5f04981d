using System.Text.Json;
using Quai.Engine.Events;

namespace Quai.Engine.Tests;

/// <summary>The events journal: its line format, Docker's filters and times, rotation, concurrent appends.</summary>
public sealed class EventJournalTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("qev-").FullName;

    public void Dispose() => Directory.Delete(_root, true);

    private static EngineEvent Ev(string type, string action, string id, params (string, string)[] attrs) =>
        EngineEvent.Now(type, action, id, attrs.ToDictionary(a => a.Item1, a => a.Item2));

    [Fact]
    public void Line_IsDockersEventJson_WithSortedAttributes()
    {
        var e = new EngineEvent("container", "die", "abc", new Dictionary<string, string> { ["name"] = "web", ["exitCode"] = "3", ["image"] = "bb" }, 1_700_000_000_123_456_789);
        Assert.Equal("""{"Type":"container","Action":"die","Actor":{"ID":"abc","Attributes":{"exitCode":"3","image":"bb","name":"web"}},"scope":"local","time":1700000000,"timeNano":1700000000123456789}""", e.ToJson());
        var back = EngineEvent.TryParse(e.ToJson())!;
        Assert.Equal(e.TimeNano, back.TimeNano);
        Assert.Equal("3", back.Attributes["exitCode"]);
        Assert.Null(EngineEvent.TryParse("{\"Type\":\"container\""));
        Assert.Null(EngineEvent.TryParse("garbage"));
    }

    [Fact]
    public void Append_WritesOneLinePerEvent_InAPrivateFile()
    {
        var j = new EventJournal(_root);
        j.AppendOrThrow(Ev("container", "create", "c1", ("name", "a")));
        j.AppendOrThrow(Ev("container", "start", "c1", ("name", "a")));
        var lines = File.ReadAllLines(j.LogPath);
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => JsonDocument.Parse(l).Dispose());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(j.LogPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(j.Dir));
        Assert.Equal(["create", "start"], j.ReadAll().Select(e => e.Action));
    }

    [Fact]
    public void Rotation_KeepsOneOldFile_AndReadAllSeesBoth()
    {
        var j = new EventJournal(_root) { MaxBytes = 2000 };
        for (var i = 0; i < 60; i++) j.AppendOrThrow(Ev("image", "tag", "sha256:" + i, ("name", "n" + i)));
        Assert.True(File.Exists(j.OldPath));
        Assert.True(new FileInfo(j.LogPath).Length <= 2000);
        Assert.True(new FileInfo(j.OldPath).Length <= 2000);
        var all = j.ReadAll();
        // the newest events are all there, in order, and no older file than .1 exists
        Assert.Equal("n59", all[^1].Attributes["name"]);
        var ids = all.Select(e => int.Parse(e.ActorId[7..])).ToList();
        Assert.Equal(ids.OrderBy(x => x), ids);
        Assert.Equal(ids.Count, ids[^1] - ids[0] + 1);
        Assert.False(File.Exists(j.LogPath + ".2"));
    }

    [Fact]
    public void ConcurrentAppends_FromManyThreads_LoseAndTearNothing()
    {
        var j = new EventJournal(_root);
        Parallel.For(0, 8, t =>
        {
            for (var i = 0; i < 50; i++) j.AppendOrThrow(Ev("container", "exec_start: echo " + new string('x', 300), $"{t}-{i}"));
        });
        var lines = File.ReadAllLines(j.LogPath);
        Assert.Equal(400, lines.Length);
        Assert.All(lines, l => Assert.NotNull(EngineEvent.TryParse(l)));
        Assert.Equal(400, lines.Select(l => EngineEvent.TryParse(l)!.ActorId).Distinct().Count());
    }

    [Fact]
    public void Follow_YieldsWhatIsAppendedAfterThePosition_AcrossARotation()
    {
        // ~130 bytes an event: exactly one rotation happens while the 30 are appended
        var j = new EventJournal(_root) { MaxBytes = 3000 };
        j.AppendOrThrow(Ev("container", "create", "old"));
        var from = j.Position();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var seen = new List<string>();
        var reader = Task.Run(() =>
        {
            foreach (var e in j.Follow(cts.Token, from, TimeSpan.FromMilliseconds(10)))
            {
                seen.Add(e.ActorId);
                if (seen.Count == 30) break;
            }
        });
        for (var i = 0; i < 30; i++) { j.AppendOrThrow(Ev("container", "start", "n" + i)); Thread.Sleep(5); }
        Assert.True(reader.Wait(TimeSpan.FromSeconds(20)));
        Assert.True(File.Exists(j.OldPath));
        Assert.Equal(Enumerable.Range(0, 30).Select(i => "n" + i), seen);
    }

    [Fact]
    public void Filters_AreDockers()
    {
        var start = Ev("container", "start", "abcdef123", ("name", "web"), ("image", "busybox:latest"), ("tier", "front"));
        var health = Ev("container", "health_status: healthy", "abcdef123", ("name", "web"), ("image", "bb"));
        var tag = Ev("image", "tag", "sha256:0123456789ab", ("name", "busybox:1"));
        var vol = Ev("volume", "create", "data", ("driver", "local"));
        bool M(EngineEvent e, params string[] f) => EventFilter.Parse(f).Matches(e);
        Assert.True(M(start, "container=web"));
        Assert.True(M(start, "container=abcdef"));
        Assert.False(M(start, "container=other"));
        Assert.True(M(start, "event=start", "event=die"));
        Assert.False(M(start, "event=start", "type=image"));
        Assert.True(M(health, "event=health_status"));
        Assert.True(M(start, "image=busybox"));
        Assert.True(M(tag, "image=busybox:1"));
        Assert.True(M(start, "label=tier"));
        Assert.True(M(start, "label=tier=front"));
        Assert.False(M(start, "label=tier=back"));
        Assert.True(M(vol, "volume=data"));
        Assert.False(M(start, "volume=data"));
        Assert.Equal("invalid filter 'bogus'", Assert.Throws<FormatException>(() => EventFilter.Parse(["bogus=1"])).Message);
        Assert.Throws<FormatException>(() => EventFilter.Parse(["type=thing"]));
        Assert.Throws<FormatException>(() => EventFilter.Parse(["noequals"]));
    }

    [Fact]
    public void Times_AreDockers()
    {
        var now = new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal(now.AddMinutes(-10), DockerTime.Parse("10m", now));
        Assert.Equal(now.AddMinutes(-90), DockerTime.Parse("1h30m", now));
        Assert.Equal(now.AddSeconds(-1.5), DockerTime.Parse("1.5s", now));
        Assert.Equal(new DateTimeOffset(2024, 4, 30, 8, 0, 0, TimeSpan.Zero), DockerTime.Parse("2024-04-30T08:00:00Z", now));
        Assert.Equal(new DateTimeOffset(2024, 4, 30, 8, 0, 0, TimeSpan.FromHours(2)), DockerTime.Parse("2024-04-30T08:00:00+02:00", now));
        Assert.Equal(new DateTimeOffset(2024, 4, 30, 8, 0, 0, 500, TimeSpan.Zero), DockerTime.Parse("2024-04-30T08:00:00.5Z", now));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000), DockerTime.Parse("1700000000", now));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000).AddMilliseconds(250), DockerTime.Parse("1700000000.25", now));
        Assert.Equal(new DateTimeOffset(new DateTime(2024, 4, 30, 0, 0, 0, DateTimeKind.Local)), DockerTime.Parse("2024-04-30", now));
        Assert.Contains("failed to parse value as time or duration", Assert.Throws<FormatException>(() => DockerTime.Parse("yesterday", now)).Message);
    }
}
