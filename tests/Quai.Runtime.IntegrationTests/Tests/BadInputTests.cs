using System.Text.Json.Nodes;
using Quai.Runtime.IntegrationTests.Infrastructure;

namespace Quai.Runtime.IntegrationTests.Tests;

/// <summary>Invalid input: non-zero exit, a message naming the problem, nothing left behind.</summary>
public sealed class BadInputTests
{
    private static void AssertNothingLeft(Bundle b)
    {
        // The state root keeps its .locks directory (shared by every container), but no lock file,
        // state directory or anything else of this container.
        Assert.Empty(Directory.Exists(b.StateRoot) ? Directory.GetFileSystemEntries(b.StateRoot).Where(e => Path.GetFileName(e) != ".locks") : []);
        var locks = Path.Combine(b.StateRoot, ".locks");
        Assert.Empty(Directory.Exists(locks) ? Directory.GetFileSystemEntries(locks) : []);
        Assert.Empty(Rt.CgroupDirs(b.CgroupsPath));
        Assert.Empty(Rt.HostMountsMentioning(b.Dir));
    }

    [Fact]
    public void Malformed_json_config()
    {
        using var b = new Bundle("true");
        File.WriteAllText(Path.Combine(b.Dir, "config.json"), "{ \"ociVersion\": \"1.2.0\", \"process\": ");
        var r = b.Cmd("create", "--bundle", b.Dir, b.Id);
        Assert.Equal(1, r.Exit);
        Assert.Contains("config.json", r.Err);
        Assert.Contains("malformed JSON", r.Err);
        Assert.Contains("line 1", r.Err);
        AssertNothingLeft(b);
    }

    [Fact]
    public void Config_value_of_the_wrong_type()
    {
        using var b = new Bundle("true");
        b.Process["terminal"] = "yes";
        var r = b.Create();
        Assert.Equal(1, r.Exit);
        Assert.Contains("$.process.terminal", r.Err);
        AssertNothingLeft(b);
    }

    [Fact]
    public void Unknown_namespace_type()
    {
        using var b = new Bundle("true");
        b.Namespaces.Add(new JsonObject { ["type"] = "bogusns" });
        var r = b.Create();
        Assert.Equal(1, r.Exit);
        Assert.Contains("bogusns", r.Err);
        AssertNothingLeft(b);
    }

    [Fact]
    public void Missing_rootfs()
    {
        using var b = new Bundle("true");
        b.Config["root"]!["path"] = "no-such-rootfs";
        var r = b.Create();
        Assert.Equal(1, r.Exit);
        Assert.Contains("no-such-rootfs", r.Err);
        AssertNothingLeft(b);
    }

    [Fact]
    public void Missing_program()
    {
        using var b = new Bundle("/bin/not-there");
        var r = b.Run();
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("/bin/not-there", r.Err);
        AssertNothingLeft(b);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("-leading-dash")]
    public void Invalid_container_ids(string id)
    {
        using var b = new Bundle("true");
        var r = b.Cmd("create", "--bundle", b.Dir, "--", id);
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("id", r.Err);
        AssertNothingLeft(b);
        Assert.False(Directory.Exists(Path.Combine(Rt.Scratch, "x")));
        Assert.Empty(Directory.GetFileSystemEntries(Rt.Scratch, "a"));
    }

    [Fact]
    public void Duplicate_id_is_refused_and_the_first_container_is_kept()
    {
        using var b = new Bundle("sleep", "60");
        b.Create().Ok();
        var pid = b.Pid();
        using var other = new Bundle("true");
        other.Save();
        var r = Rt.Runtime(["--root", b.StateRoot, "create", "--bundle", other.Dir, b.Id]);
        Assert.Equal(1, r.Exit);
        Assert.Contains("exists", r.Err);
        Assert.Contains(b.Id, r.Err);
        Assert.Equal("created", (string?)b.State()["status"]);
        Assert.Equal(pid, b.Pid());
        Assert.Empty(Rt.CgroupDirs(other.CgroupsPath));
    }

    [Fact]
    public void Pid_file_in_a_missing_directory_fails_create_and_leaves_nothing()
    {
        using var b = new Bundle("sleep", "60");
        var r = b.Create(null, "--pid-file", Path.Combine(b.Dir, "no-such-dir", "pid"));
        Assert.Equal(1, r.Exit);
        Assert.Contains("pid file", r.Err);
        Assert.Contains("no-such-dir", r.Err);
        AssertNothingLeft(b);
        Assert.DoesNotContain(Directory.EnumerateDirectories("/proc"), d =>
        {
            try { return File.ReadAllText(Path.Combine(d, "cgroup")).Contains(b.CgroupsPath); }
            catch (IOException) { return false; }
        });
    }

    [Fact]
    public void Missing_files_are_named_in_words()
    {
        using var b = new Bundle("sleep", "60");
        b.Create().Ok();
        var missing = Path.Combine(b.Dir, "missing.json");
        foreach (var args in new[] { new[] { "exec", "--process", missing, b.Id }, ["update", "-r", missing, b.Id] })
        {
            var r = b.Cmd(args);
            Assert.Equal(1, r.Exit);
            Assert.Equal($"{missing}: no such file or directory", r.Err.Trim());
        }
        var spec = Rt.Runtime(["spec", "--bundle", Path.Combine(b.Dir, "no-dir")]);
        Assert.Equal(1, spec.Exit);
        Assert.Contains("no-dir/config.json: no such file or directory", spec.Err);
    }

    [Fact]
    public void Unknown_container_for_every_verb()
    {
        var root = Path.Combine(Rt.Scratch, "none-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var verb in new[] { "state", "start", "kill", "delete", "pause", "resume", "ps", "events" })
        {
            var args = verb == "events" ? new[] { "--root", root, verb, "--stats", "nope" } : ["--root", root, verb, "nope"];
            var r = Rt.Runtime(args);
            Assert.True(r.Exit != 0, $"{verb}: {r}");
            Assert.Contains("nope", r.Err);
        }
        Assert.False(Directory.Exists(Path.Combine(root, "nope")));
    }

    [Fact]
    public void Relative_process_cwd_and_bad_capability_are_rejected_before_anything_is_created()
    {
        using var b = new Bundle("true");
        b.Process["cwd"] = "relative/dir";
        b.Process["capabilities"]!["bounding"]!.AsArray().Add("CAP_NOT_A_CAP");
        var r = b.Create();
        Assert.Equal(1, r.Exit);
        Assert.Contains("relative/dir", r.Err);
        Assert.Contains("CAP_NOT_A_CAP", r.Err);
        AssertNothingLeft(b);
    }
}
