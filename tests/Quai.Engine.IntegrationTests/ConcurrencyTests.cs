using System.Diagnostics;

namespace Quai.Engine.IntegrationTests;

/// <summary>Lock discipline between quai processes and SIGKILL at each step of create, start, run and
/// rm (QUAI_FAULT crash points): one monitor per run, nothing torn down by a process that did not
/// create it, and whatever a killed command leaves is finished by the next one.</summary>
public sealed class ConcurrencyTests(QuaiHost q) : IClassFixture<QuaiHost>
{
    private Process StartQuai(IDictionary<string, string>? env, params string[] args)
    {
        var psi = new ProcessStartInfo(QuaiHost.Bin) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--root", q.Root }.Concat(args)) psi.ArgumentList.Add(a);
        psi.Environment.Remove("QUAI_ROOT");
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        return Process.Start(psi)!;
    }

    private Result RunQuai(IDictionary<string, string>? env, params string[] args)
    {
        using var p = StartQuai(env, args);
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000)) { p.Kill(true); throw new TimeoutException(string.Join(' ', args)); }
        p.WaitForExit();
        return new Result(p.ExitCode, o.Result, e.Result);
    }

    private static Dictionary<string, string> Fault(string point) => new() { ["QUAI_FAULT"] = point };

    /// <summary>Monitor processes of one container (their command line names its id).</summary>
    private static int Monitors(string id) => Directory.EnumerateDirectories("/proc").Select(Path.GetFileName)
        .Where(n => int.TryParse(n, out _)).Count(pid =>
        {
            try
            {
                var cmd = File.ReadAllText($"/proc/{pid}/cmdline");
                return cmd.Contains("container-monitor") && cmd.Contains(id) && File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2] != "Z";
            }
            catch (IOException) { return false; }
        });

    [Fact]
    public void Cp_and_export_of_a_stopped_container_killed_midway_leave_no_mount_and_the_container_starts()
    {
        var name = QuaiHost.Unique("cpkill");
        var file = Path.Combine(Path.GetTempPath(), name);
        File.WriteAllText(file, "x");
        try
        {
            var id = q.Ok("create", "--name", name, "bb", "sh", "-c", "cat /" + name);
            q.Track(id);
            foreach (var args in new[] { new[] { "cp", file, name + ":/" }, ["export", "-o", file + ".tar", name] })
            {
                var killed = RunQuai(Fault("engine.root.opened"), args);
                Assert.True(killed.Code == 137, $"{args[0]}: {killed}");
                // the snapshot was mounted in the killed command's own mount namespace only
                Assert.DoesNotContain(q.LeftoverMounts(), m => m.Contains(id));
            }
            q.Ok("cp", file, name + ":/");
            Assert.DoesNotContain(q.LeftoverMounts(), m => m.Contains(id));
            Assert.Equal("x", q.Ok("start", "-a", name));
        }
        finally
        {
            q.Run("rm", "-f", name);
            File.Delete(file);
            File.Delete(file + ".tar");
        }
    }

    [Fact]
    public void Concurrent_starts_of_one_container_start_it_once()
    {
        for (var round = 0; round < 6; round++)
        {
            var name = QuaiHost.Unique("cstart");
            try
            {
                var id = q.Ok("create", "--name", name, "bb", "sleep", "60");
                q.Track(id);
                var starts = Enumerable.Range(0, 4).Select(_ => Task.Run(() => RunQuai(null, "start", name))).ToArray();
                Task.WaitAll(starts);
                foreach (var s in starts) Assert.True(s.Result.Code == 0, $"round {round}: {s.Result}");
                Assert.Equal("running", q.Inspect(name, "{{.State.Status}}"));
                Assert.Equal("ok", q.Ok("exec", name, "echo", "ok"));
                Assert.Equal(1, Monitors(id));
            }
            finally { q.Run("rm", "-f", name); }
        }
        Assert.Empty(q.LeftoverMounts());
    }

    [Fact]
    public void Start_racing_rm_force_leaves_either_a_running_container_or_nothing()
    {
        for (var round = 0; round < 6; round++)
        {
            var name = QuaiHost.Unique("srm");
            var id = q.Ok("create", "--name", name, "bb", "sleep", "60");
            q.Track(id);
            try
            {
                var start = Task.Run(() => RunQuai(null, "start", name));
                Thread.Sleep(round * 15);
                var rm = RunQuai(null, "rm", "-f", name);
                start.Wait();
                Assert.True(rm.Code == 0, $"round {round}: rm: {rm}");
                var exists = q.Run("inspect", "-f", "{{.State.Status}}", id);
                if (exists.Code == 0)
                {
                    // start won after rm: a whole, running container
                    Assert.Equal("running", exists.Out.Trim());
                    Assert.Equal("ok", q.Ok("exec", id, "echo", "ok"));
                }
                else
                {
                    Assert.True(QuaiHost.Eventually(() => Monitors(id) == 0, TimeSpan.FromSeconds(10)), $"round {round}: a monitor survived rm");
                    Assert.DoesNotContain(q.LeftoverMounts(), l => l.Contains(id));
                }
            }
            finally { q.Run("rm", "-f", id); }
        }
    }

    [Theory]
    [InlineData("engine.start.spawned")]
    [InlineData("engine.start.recorded")]
    public void A_start_killed_midway_leaves_a_container_that_starts(string point)
    {
        var name = QuaiHost.Unique("kstart");
        try
        {
            var id = q.Ok("create", "--name", name, "bb", "sleep", "60");
            q.Track(id);
            var killed = RunQuai(Fault(point), "start", name);
            Assert.Equal(137, killed.Code);
            // spawned but not recorded: the monitor finds another pid in the record and leaves;
            // recorded: the monitor owns the run and starts it without its starter
            var expected = point == "engine.start.spawned" ? "created" : "running";
            Assert.True(QuaiHost.Eventually(() => Monitors(id) == (expected == "created" ? 0 : 1) && q.Inspect(name, "{{.State.Status}}") == expected, TimeSpan.FromSeconds(10)),
                $"{point}: monitors {Monitors(id)}, {q.Inspect(name, "{{.State.Status}}")}");
            q.Ok("start", name);
            Assert.Equal("running", q.Inspect(name, "{{.State.Status}}"));
            Assert.Equal(1, Monitors(id));
            Assert.Equal("ok", q.Ok("exec", name, "echo", "ok"));
        }
        finally { q.Run("rm", "-f", name); }
    }

    [Theory]
    [InlineData("runtime.create.dir", false)]
    [InlineData("runtime.create.recorded", false)]
    [InlineData("runtime.create.cgroup", false)]
    [InlineData("runtime.create.launched", false)]
    [InlineData("runtime.create.recorded", true)]
    [InlineData("runtime.create.cgroup", true)]
    [InlineData("runtime.create.launched", true)]
    public void A_monitor_killed_inside_the_runtime_create_leaks_nothing_and_the_next_start_works(string point, bool removeAtOnce)
    {
        var name = QuaiHost.Unique("kmon");
        try
        {
            var id = q.Ok("create", "--name", name, "bb", "sleep", "60");
            q.Track(id);
            var failed = RunQuai(Fault(point), "start", name);
            Assert.NotEqual(0, failed.Code);
            Assert.True(QuaiHost.Eventually(() => Monitors(id) == 0, TimeSpan.FromSeconds(10)), "monitor still there");
            if (!removeAtOnce)
            {
                // the first start after the crash works, not the second
                var again = q.Run("start", name);
                Assert.True(again.Code == 0, $"after {point}: {again}");
                Assert.Equal("ok", q.Ok("exec", name, "echo", "ok"));
            }
            q.Ok("rm", "-f", name);
            Assert.Empty(q.LeftoverCgroups([id]));
            Assert.DoesNotContain(q.LeftoverMounts(), l => l.Contains(id));
            Assert.True(QuaiHost.Eventually(() => Monitors(id) == 0, TimeSpan.FromSeconds(10)));
        }
        finally { q.Run("rm", "-f", name); }
    }

    [Fact]
    public void A_foreground_run_killed_before_it_attached_leaves_the_container_created()
    {
        var name = QuaiHost.Unique("krun");
        try
        {
            var killed = RunQuai(Fault("cli.run.created"), "run", "--name", name, "bb", "echo", "hello");
            Assert.Equal(137, killed.Code);
            var id = q.Inspect(name, "{{.Id}}");
            q.Track(id);
            // Docker leaves it Created; it used to start a minute later with nobody attached
            Assert.True(QuaiHost.Eventually(() => Monitors(id) == 0, TimeSpan.FromSeconds(10)), "the monitor waited for a client that is gone");
            Assert.Equal("created", q.Inspect(name, "{{.State.Status}}"));
            Assert.Equal("", q.Ok("logs", name));
            Assert.DoesNotContain(q.LeftoverMounts(), l => l.Contains(id));
            Assert.Equal("hello", q.Ok("start", "-a", name));
        }
        finally { q.Run("rm", "-f", name); }
    }

    [Theory]
    [InlineData("engine.create.named")]
    [InlineData("engine.create.prepared")]
    public void A_create_killed_before_its_record_frees_its_name_and_image(string point)
    {
        var name = QuaiHost.Unique("kcreate");
        var image = QuaiHost.Unique("kimg");
        q.Ok("tag", "bb", image);
        var killed = RunQuai(Fault(point), "create", "--name", name, image, "true");
        Assert.Equal(137, killed.Code);
        // the next command finishes what the killed one left: the name is free, the image unpinned
        var id = q.Ok("create", "--name", name, image, "true");
        q.Track(id);
        q.Ok("rm", name);
        Assert.Contains("Untagged", q.Ok("rmi", image));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(q.Root, "containers", ".trash")));
        Assert.DoesNotContain(Directory.EnumerateDirectories(Path.Combine(q.Root, "containers")), d => !File.Exists(Path.Combine(d, "container.json")) && !Path.GetFileName(d).StartsWith('.'));
    }

    [Theory]
    [InlineData("engine.rm.released")]
    [InlineData("engine.rm.committed")]
    public void A_container_prune_killed_midway_leaves_containers_that_start_or_are_gone(string point)
    {
        var names = new[] { QuaiHost.Unique("kpr"), QuaiHost.Unique("kpr") };
        try
        {
            var ids = names.Select(n => q.Ok("create", "--name", n, "bb", "echo", n)).ToList();
            ids.ForEach(q.Track);
            foreach (var n in names) Assert.Equal(n, q.Ok("start", "-a", n));
            var killed = RunQuai(Fault(point), "container", "prune", "-f");
            Assert.Equal(137, killed.Code);
            // each container either still exists and starts again, or is gone with its name, record and snapshot
            var left = names.Where(n => q.Run("inspect", n).Code == 0).ToList();
            // killed in the first removal: before its commit both remain, after it one is gone
            Assert.Equal(point == "engine.rm.committed" ? 1 : 2, left.Count);
            foreach (var n in left) Assert.Equal(n, q.Ok("start", "-a", n));
            var containers = Path.Combine(q.Root, "containers");
            foreach (var id in ids)
                Assert.Equal(q.Run("inspect", id).Code == 0, Directory.Exists(Path.Combine(containers, id)));
            q.Ok("container", "prune", "-f");
            foreach (var n in names) Assert.Equal("", q.Ok("ps", "-a", "-q", "--filter", "name=" + n));
            foreach (var id in ids) Assert.False(Directory.Exists(Path.Combine(containers, id)), $"{id}: directory without a record");
            Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(containers, ".trash")));
            foreach (var n in names) { q.Ok("create", "--name", n, "bb", "true"); q.Ok("rm", n); }
        }
        finally
        {
            foreach (var n in names) q.Run("rm", "-f", n);
        }
    }

    [Fact]
    public void An_rm_killed_after_its_commit_is_finished_by_the_next_command()
    {
        var name = QuaiHost.Unique("krm");
        var image = QuaiHost.Unique("krmimg");
        var tar = Path.Combine(Path.GetDirectoryName(q.Root)!, image + ".tar");
        using (var w = new System.Formats.Tar.TarWriter(File.Create(tar)))
            w.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "only") { DataStream = new MemoryStream("x"u8.ToArray()) });
        q.Ok("import", "--change", "CMD [\"/only\"]", tar, image);
        File.Delete(tar);
        var id = q.Ok("create", "--name", name, image, "true");
        q.Track(id);
        var killed = RunQuai(Fault("engine.rm.committed"), "rm", name);
        Assert.Equal(137, killed.Code);
        Assert.NotEqual(0, q.Run("inspect", name).Code);
        // the image was pinned by the container's snapshot; rmi (the next command) must not be refused
        var rmi = q.Run("rmi", image);
        Assert.True(rmi.Code == 0, rmi.ToString());
        Assert.Contains("Deleted", rmi.Out);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(q.Root, "containers", ".trash")));
        Assert.Equal("", q.Ok("ps", "-a", "-q", "--filter", "name=" + name));
        q.Ok("create", "--name", name, "bb", "true"); // the name is free
        q.Ok("rm", name);
    }
}
