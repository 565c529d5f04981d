using Quai.Engine.Logs;
using Quai.Engine.Specs;
using System.Text;

namespace Quai.Engine.Tests;

public sealed class LogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("quai-log-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void WritesDockerJsonLines_SplitOnNewlines()
    {
        var path = Path.Combine(_dir, "c-json.log");
        using (var w = new JsonFileLogWriter(path))
        {
            w.Write("stdout", Encoding.UTF8.GetBytes("a\nb"));
            w.Write("stdout", Encoding.UTF8.GetBytes("c\n"));
            w.Write("stderr", Encoding.UTF8.GetBytes("e\"x\n"));
        }
        var lines = File.ReadAllLines(path);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("{\"log\":\"a\\n\",\"stream\":\"stdout\",\"time\":\"", lines[0]);
        var all = JsonFileLogReader.ReadAll(path).ToList();
        Assert.Equal(["a\n", "bc\n", "e\"x\n"], all.Select(e => e.Log));
        Assert.Equal("stderr", all[2].Stream);
    }

    [Fact]
    public void A_failing_write_drops_the_entry_and_says_so_once()
    {
        // /dev/full fails every write with ENOSPC, as a full disk does
        var errors = new StringWriter();
        using var w = new JsonFileLogWriter("/dev/full") { Errors = errors };
        for (var i = 0; i < 5; i++) w.Write("stdout", Encoding.UTF8.GetBytes($"line {i}\n"));
        w.Flush();
        Assert.Equal(5, w.Dropped);
        var report = errors.ToString();
        Assert.Contains("log /dev/full: write failed: no space left on device", report);
        Assert.Single(report.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData(3, 0)]
    [InlineData(5, 0)]
    [InlineData(8, 10)] // a follower several rotations behind (it polls slower than the log rotates)
    public void A_follower_sees_every_entry_once_across_rotations(int maxFiles, int pollDelayMs)
    {
        var path = Path.Combine(_dir, $"f{maxFiles}-{pollDelayMs}-json.log");
        const int Lines = 40_000;
        using var w = new JsonFileLogWriter(path, maxSize: 64 * 1024, maxFiles: maxFiles);
        w.Write("stdout", Encoding.UTF8.GetBytes("line 0\n"));
        using var follower = new JsonFileLogFollower(path);
        var seen = follower.History().Select(e => e.Log).ToList();
        var writer = Task.Run(() =>
        {
            for (var i = 1; i < Lines; i++)
            {
                w.Write("stdout", Encoding.UTF8.GetBytes($"line {i}\n"));
                if (i % 200 == 0) Thread.Sleep(1); // ~ a busy container, ~200 rotations in all
            }
        });
        while (!writer.IsCompleted || seen.Count < Lines)
        {
            var got = follower.Poll();
            seen.AddRange(got.Select(e => e.Log));
            if (got.Count == 0 && writer.IsCompleted) break;
            Thread.Sleep(pollDelayMs);
        }
        writer.GetAwaiter().GetResult();
        seen.AddRange(follower.Poll().Select(e => e.Log));
        Assert.Equal(Enumerable.Range(0, Lines).Select(i => $"line {i}\n"), seen);
    }

    [Fact]
    public void PartialLine_IsFlushedAtEnd()
    {
        var path = Path.Combine(_dir, "p.log");
        using (var w = new JsonFileLogWriter(path)) w.Write("stdout", Encoding.UTF8.GetBytes("no newline"));
        Assert.Equal("no newline", JsonFileLogReader.ReadAll(path).Single().Log);
    }

    [Fact]
    public void Rotation_KeepsMaxFiles_AndReadsOldestFirst()
    {
        var path = Path.Combine(_dir, "r.log");
        using (var w = new JsonFileLogWriter(path, maxSize: 300, maxFiles: 3))
            for (var i = 0; i < 40; i++) w.Write("stdout", Encoding.UTF8.GetBytes($"line {i:D2}\n"));
        Assert.True(File.Exists(path + ".1"));
        Assert.True(File.Exists(path + ".2"));
        Assert.False(File.Exists(path + ".3"));
        foreach (var f in JsonFileLogReader.Files(path)) Assert.True(new FileInfo(f).Length <= 300);
        var entries = JsonFileLogReader.ReadAll(path).Select(e => e.Log).ToList();
        Assert.Equal("line 39\n", entries[^1]);
        Assert.Equal(entries.OrderBy(x => x, StringComparer.Ordinal), entries); // in order, oldest first
        Assert.True(entries.Count < 40);
    }

    [Fact]
    public void Rotation_WithOneFile_Truncates()
    {
        var path = Path.Combine(_dir, "t.log");
        using (var w = new JsonFileLogWriter(path, maxSize: 200, maxFiles: 1))
            for (var i = 0; i < 20; i++) w.Write("stdout", Encoding.UTF8.GetBytes($"{i}\n"));
        Assert.False(File.Exists(path + ".1"));
        Assert.True(new FileInfo(path).Length <= 200);
    }

    [Theory]
    [InlineData("10k", 10240)]
    [InlineData("1m", 1048576)]
    [InlineData("2g", 2147483648)]
    [InlineData("512", 512)]
    [InlineData("1.5m", 1572864)]
    public void Sizes(string text, long bytes) => Assert.Equal(bytes, Units.RamInBytes(text));

    [Theory]
    [InlineData("1h2m3s", 3723)]
    [InlineData("500ms", 0.5)]
    [InlineData("1.5s", 1.5)]
    public void Durations(string text, double seconds) => Assert.Equal(seconds, Units.ParseDuration(text).TotalSeconds, 3);

    [Fact]
    public void Timestamps_RelativeAndAbsolute()
    {
        var now = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        Assert.Equal(now.AddMinutes(-42), Units.ParseTimestamp("42m", now));
        Assert.Equal(new DateTime(2025, 5, 6, 7, 8, 9, DateTimeKind.Utc), Units.ParseTimestamp("2025-05-06T07:08:09Z", now));
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(100), Units.ParseTimestamp("100", now));
    }
}
