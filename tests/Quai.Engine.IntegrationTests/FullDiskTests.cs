using System.Diagnostics;

namespace Quai.Engine.IntegrationTests;

/// <summary>A store on a small tmpfs that the test fills: a container that logs must keep running
/// (its output is dropped, and said so), logging resumes when space is back, and stop and rm -f
/// still work on the full disk without leaking the container's snapshot.</summary>
public sealed class FullDiskTests : IDisposable
{
    private readonly string _mount = Directory.CreateTempSubdirectory("qfull-").FullName;
    private readonly QuaiHost _q;

    public FullDiskTests()
    {
        Sh("mount", "-t", "tmpfs", "-o", "size=24m,mode=0755", "tmpfs", _mount);
        _q = QuaiHost.In(_mount);
    }

    public void Dispose()
    {
        try { _q.Dispose(); }
        finally
        {
            Sh("umount", "-l", _mount);
            Directory.Delete(_mount, true);
        }
    }

    private static void Sh(string file, params string[] args)
    {
        using var p = Process.Start(file, args);
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)}: exit {p.ExitCode}");
    }

    private string Filler => Path.Combine(_mount, "filler");

    private void Fill()
    {
        using var f = new FileStream(Filler, FileMode.Append);
        var block = new byte[1 << 16];
        try { while (true) f.Write(block); }
        catch (IOException) { }
        try { f.Dispose(); } catch (IOException) { }
        var free = new DriveInfo(_mount).AvailableFreeSpace;
        Assert.True(free < 1 << 16, $"{_mount} still has {free} bytes free");
    }

    private int LastLine(string name)
    {
        var lines = _q.Ok("logs", name).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Length == 0 ? -1 : int.Parse(lines[^1].Split(' ')[1]);
    }

    [Fact]
    public void A_full_disk_neither_kills_a_logging_container_nor_stops_stop_and_rm()
    {
        var name = QuaiHost.Unique("full");
        var id = _q.Ok("run", "-d", "--name", name, "bb", "sh", "-c", "i=0; while true; do echo line $i; i=$((i+1)); sleep 0.01; done");
        _q.Track(id);
        Assert.True(QuaiHost.Eventually(() => LastLine(name) > 5, TimeSpan.FromSeconds(10)));

        Fill();
        Thread.Sleep(1000); // ~100 lines that cannot be written
        Assert.Equal("running", _q.Inspect(name, "{{.State.Status}}"));

        File.Delete(Filler);
        var before = LastLine(name);
        Assert.True(QuaiHost.Eventually(() => LastLine(name) > before + 10, TimeSpan.FromSeconds(10)), "logging did not resume");
        // what was lost is said in monitor.log once there is room to say it
        var monitorLog = File.ReadAllText(Path.Combine(_q.Root, "containers", id, "monitor.log"));
        Assert.Matches(@"writing again; [1-9]\d* entries were dropped since .* \(no space left on device\)", monitorLog);
        Assert.Equal("running", _q.Inspect(name, "{{.State.Status}}"));
        // the entry the disk cut is ended on its own line (readers skip it), never glued to the next
        var lines = File.ReadAllLines(Path.Combine(_q.Root, "containers", id, id + "-json.log"));
        var torn = lines.Where(l => !(l.StartsWith("{\"log\":", StringComparison.Ordinal) && l.EndsWith('}'))).ToList();
        Assert.True(torn.Count <= 1, $"torn lines: {string.Join(" | ", torn)}");
        Assert.All(lines, l => Assert.True(l.IndexOf("{\"log\":", 1, StringComparison.Ordinal) < 0, $"entries glued together: {l}"));

        Fill();
        foreach (var args in new[] { new[] { "run", "--rm", "bb", "true" }, ["import", "/dev/null", "empty"] })
        {
            var full = _q.Run(args);
            Assert.Equal(125, full.Code);
            Assert.Contains("no space left on device", full.Err, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("SQLite Error", full.Err);
        }
        var stop = _q.Run("stop", "-t", "1", name);
        Assert.True(stop.Code == 0, stop.ToString());
        Assert.True(QuaiHost.Eventually(() => _q.LeftoverMonitors().Count == 0, TimeSpan.FromSeconds(10)), "the container did not stop");

        var rm = _q.Run("rm", "-f", name);
        Assert.True(rm.Code == 0, rm.ToString());
        File.Delete(Filler);
        Assert.NotEqual(0, _q.Run("inspect", name).Code);
        var snapshots = Directory.EnumerateDirectories(Path.Combine(_q.Root, "snapshots")).Count(d => long.TryParse(Path.GetFileName(d), out _));
        Assert.Equal(1, snapshots); // only the image's layer: the container's snapshot went with it
        _q.Ok("run", "--rm", "bb", "true"); // and the store works
    }
}
