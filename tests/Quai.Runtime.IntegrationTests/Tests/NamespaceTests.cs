using System.Text.Json.Nodes;
using Quai.Runtime.IntegrationTests.Infrastructure;

namespace Quai.Runtime.IntegrationTests.Tests;

public sealed class JoinNamespaceTests
{
    [Fact]
    public void Second_container_joins_the_firsts_network_and_uts_namespaces_by_path()
    {
        using var a = new Bundle("sleep", "60");
        a.Config["hostname"] = "first-box";
        a.Create().Ok();
        a.Cmd("start", a.Id).Ok();
        var pid = a.Pid();

        using var b = new Bundle("sh", "-c", "hostname; readlink /proc/self/ns/net; readlink /proc/self/ns/uts; readlink /proc/self/ns/pid");
        b.Config.Remove("hostname");
        foreach (var n in b.Namespaces)
        {
            if ((string?)n!["type"] == "network") n["path"] = $"/proc/{pid}/ns/net";
            if ((string?)n!["type"] == "uts") n["path"] = $"/proc/{pid}/ns/uts";
        }
        var r = b.Run().Ok();
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("first-box", lines[0]);
        Assert.Equal(new FileInfo($"/proc/{pid}/ns/net").LinkTarget, lines[1]);
        Assert.Equal(new FileInfo($"/proc/{pid}/ns/uts").LinkTarget, lines[2]);
        Assert.NotEqual(new FileInfo($"/proc/{pid}/ns/pid").LinkTarget, lines[3]); // its own pid namespace
        Assert.Equal("running", (string?)a.State()["status"]);
    }

    [Fact]
    public void Joining_a_namespace_path_that_does_not_exist_fails_cleanly()
    {
        using var b = new Bundle("true");
        foreach (var n in b.Namespaces)
            if ((string?)n!["type"] == "network") n["path"] = "/proc/999999999/ns/net";
        var r = b.Create();
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("/proc/999999999/ns/net", r.Err);
        Assert.False(Directory.Exists(Path.Combine(b.StateRoot, b.Id)));
        Assert.Empty(Rt.CgroupDirs(b.CgroupsPath));
    }
}

public sealed class UserNamespaceTests
{
    [Fact]
    public void Root_with_a_mapping_range_is_root_inside_and_files_belong_to_the_mapped_uid()
    {
        using var b = new Bundle("sh", "-c", "id -u; id -g; cat /proc/self/uid_map; touch /owned; mkdir /tmp/d");
        b.Namespaces.Add(new JsonObject { ["type"] = "user" });
        b.Linux["uidMappings"] = new JsonArray(new JsonObject { ["containerID"] = 0, ["hostID"] = 200000, ["size"] = 65536 });
        b.Linux["gidMappings"] = new JsonArray(new JsonObject { ["containerID"] = 0, ["hostID"] = 200000, ["size"] = 65536 });
        Rt.Exec(["chown", "-R", "200000:200000", b.Rootfs]).Ok();
        var r = b.Run().Ok();
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("0", lines[0]);
        Assert.Equal("0", lines[1]);
        Assert.Equal(["0", "200000", "65536"], lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var st = new StatLite(Path.Combine(b.Rootfs, "owned"));
        Assert.Equal(200000u, st.Uid);
        Assert.Equal(200000u, st.Gid);
        Assert.Equal(200000u, new StatLite(Path.Combine(b.Rootfs, "tmp/d")).Uid);
    }

    [Fact]
    public void Exec_joins_the_user_namespace()
    {
        using var b = new Bundle("sleep", "60");
        b.Namespaces.Add(new JsonObject { ["type"] = "user" });
        b.Linux["uidMappings"] = new JsonArray(new JsonObject { ["containerID"] = 0, ["hostID"] = 300000, ["size"] = 65536 });
        b.Linux["gidMappings"] = new JsonArray(new JsonObject { ["containerID"] = 0, ["hostID"] = 300000, ["size"] = 65536 });
        Rt.Exec(["chown", "-R", "300000:300000", b.Rootfs]).Ok();
        b.Create().Ok();
        b.Cmd("start", b.Id).Ok();
        var r = b.Cmd("exec", b.Id, "sh", "-c", "id -u; cat /proc/self/uid_map; touch /by-exec").Ok();
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("0", lines[0]);
        Assert.Equal(["0", "300000", "65536"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(300000u, new StatLite(Path.Combine(b.Rootfs, "by-exec")).Uid);
    }
}

public sealed class RootlessTests
{
    private static readonly string[] AsNobody = ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"];

    internal static Bundle RootlessBundle(params string[] args)
    {
        // `spec --rootless` as the unprivileged user: the mapping is that user's own id
        var specDir = Path.Combine(Rt.Scratch, "rl-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(specDir);
        Rt.Exec(["chown", "65534:65534", specDir]).Ok();
        string json;
        try
        {
            Rt.Exec([.. AsNobody, Rt.Bin, "spec", "--rootless", "--bundle", specDir]).Ok();
            json = File.ReadAllText(Path.Combine(specDir, "config.json"));
        }
        finally { Directory.Delete(specDir, true); }
        var b = new Bundle(json, args);
        b.Prefix.AddRange(AsNobody);
        Rt.Exec(["chown", "65534:65534", b.StateRoot]).Ok();
        Rt.Exec(["chmod", "0755", b.Dir]).Ok();
        return b;
    }

    [Fact]
    public void Unprivileged_user_runs_a_container_without_cgroups()
    {
        using var b = RootlessBundle("sh", "-c", "id -u; cat /proc/self/uid_map; echo $$; hostname");
        var map = b.Linux["uidMappings"]!.AsArray().Single()!;
        Assert.Equal(65534, (int)map["hostID"]!);
        var r = b.Run().Ok();
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("0", lines[0]);
        Assert.Equal(["0", "65534", "1"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("1", lines[2]);
        Assert.Empty(Rt.CgroupDirs(b.CgroupsPath)); // an unprivileged user gets no cgroup
        Assert.False(Directory.Exists(Path.Combine(b.StateRoot, b.Id)));
    }

    [Fact]
    public void Unprivileged_create_start_state_delete()
    {
        using var b = RootlessBundle("sleep", "60");
        b.Create().Ok();
        var pid = b.Pid();
        var status = File.ReadAllLines($"/proc/{pid}/status");
        Assert.Contains(status, l => l.StartsWith("Uid:") && l.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1] == "65534");
        b.Cmd("start", b.Id).Ok();
        Assert.Equal("running", (string?)b.State()["status"]);
        b.Cmd("exec", b.Id, "true").Ok();
        b.Cmd("delete", "--force", b.Id).Ok();
        Assert.True(Rt.WaitFor(() => !Rt.ProcessExists(pid)));
        Assert.False(Directory.Exists(Path.Combine(b.StateRoot, b.Id)));
    }

    [Fact]
    public void Unprivileged_user_cannot_map_other_ids_without_newuidmap_permission()
    {
        using var b = RootlessBundle("true");
        b.Linux["uidMappings"] = new JsonArray(new JsonObject { ["containerID"] = 0, ["hostID"] = 0, ["size"] = 1 });
        var r = b.Run();
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("uid_map", r.Err);
        Assert.False(Directory.Exists(Path.Combine(b.StateRoot, b.Id)));
    }
}
