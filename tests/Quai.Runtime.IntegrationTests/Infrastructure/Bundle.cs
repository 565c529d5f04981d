using System.Text.Json;
using System.Text.Json.Nodes;

namespace Quai.Runtime.IntegrationTests.Infrastructure;

/// <summary>A temporary OCI bundle with a busybox rootfs, its own state root (--root) and an
/// absolute cgroupsPath /quai-it-&lt;guid&gt;. Dispose removes every trace even when the test
/// failed: delete --force, stray processes of the cgroup, cgroup directories, mounts under the
/// bundle, the bundle and the state root.</summary>
public sealed class Bundle : IDisposable
{
    private static readonly Lazy<string> Template = new(MakeTemplate);
    private static readonly Lazy<string[]> Applets = new(() =>
        Rt.Exec([Rt.Busybox, "--list"]).Ok().Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));

    private readonly List<string> _ids = [];
    private readonly List<Action> _cleanups = [];

    public string Dir { get; }
    public string Rootfs => Path.Combine(Dir, "rootfs");
    public string StateRoot { get; }
    public string CgroupsPath { get; }
    public string Id { get; }
    public JsonObject Config { get; }
    /// <summary>Prefix for every runtime command (e.g. setpriv for rootless runs).</summary>
    public List<string> Prefix { get; } = [];
    public Dictionary<string, string> Env { get; } = [];
    /// <summary>Another quai-runtime executable than the published one (a private copy).</summary>
    public string? Bin { get; set; }

    public JsonObject Process => Config["process"]!.AsObject();
    public JsonObject Linux => Config["linux"]!.AsObject();

    public Bundle(params string[] args) : this(Template.Value, args) { }

    public Bundle(string configJson, string[] args)
    {
        var tag = Guid.NewGuid().ToString("N")[..12];
        Dir = Path.Combine(Rt.Scratch, "b-" + tag);
        StateRoot = Path.Combine(Rt.Scratch, "s-" + tag);
        CgroupsPath = "/quai-it-" + tag;
        Id = NewId();
        Directory.CreateDirectory(Dir);
        Directory.CreateDirectory(StateRoot);
        MakeRootfs(Rootfs);
        Config = Rt.ParseObject(configJson);
        Process["terminal"] = false;
        Process["args"] = new JsonArray(args.Select(a => (JsonNode)JsonValue.Create(a)!).ToArray());
        Config["root"]!["readonly"] = false;
        Linux["cgroupsPath"] = CgroupsPath;
        Save();
    }

    private static string MakeTemplate()
    {
        var dir = Path.Combine(Rt.Scratch, "template-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            Rt.Runtime(["spec", "--bundle", dir]).Ok();
            return File.ReadAllText(Path.Combine(dir, "config.json"));
        }
        finally { Directory.Delete(dir, true); }
    }

    public static void MakeRootfs(string rootfs)
    {
        var bin = Path.Combine(rootfs, "bin");
        Directory.CreateDirectory(bin);
        File.Copy(Rt.Busybox, Path.Combine(bin, "busybox"));
        foreach (var a in Applets.Value)
        {
            var name = Path.GetFileName(a);
            if (name is "busybox" or "" || File.Exists(Path.Combine(bin, name))) continue;
            File.CreateSymbolicLink(Path.Combine(bin, name), "busybox");
        }
        foreach (var d in new[] { "proc", "sys", "dev", "tmp", "etc", "root", "home" })
            Directory.CreateDirectory(Path.Combine(rootfs, d));
        File.SetUnixFileMode(Path.Combine(rootfs, "tmp"), (UnixFileMode)0x3FF | UnixFileMode.StickyBit);
        File.WriteAllText(Path.Combine(rootfs, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
        File.WriteAllText(Path.Combine(rootfs, "etc/group"), "root:x:0:\nnogroup:x:65534:\n");
    }

    public string NewId()
    {
        var id = "it-" + Guid.NewGuid().ToString("N")[..12];
        _ids.Add(id);
        return id;
    }

    /// <summary>Registers an id created elsewhere (another bundle's state root is not used).</summary>
    public void Track(string id) => _ids.Add(id);

    public void OnDispose(Action a) => _cleanups.Add(a);

    public void Save() =>
        File.WriteAllText(Path.Combine(Dir, "config.json"), Config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

    public void SetArgs(params string[] args) =>
        Process["args"] = new JsonArray(args.Select(a => (JsonNode)JsonValue.Create(a)!).ToArray());

    public void AddMount(string destination, string type, string source, params string[] options)
    {
        var mounts = Config["mounts"]!.AsArray();
        mounts.Add(new JsonObject
        {
            ["destination"] = destination, ["type"] = type, ["source"] = source,
            ["options"] = new JsonArray(options.Select(o => (JsonNode)JsonValue.Create(o)!).ToArray()),
        });
    }

    public JsonArray Namespaces => Linux["namespaces"]!.AsArray();

    public void RemoveNamespace(string type)
    {
        var ns = Namespaces;
        foreach (var n in ns.Where(n => (string?)n!["type"] == type).ToList()) ns.Remove(n);
    }

    /// <summary>quai-runtime --root &lt;state root&gt; args…</summary>
    public Result Cmd(params string[] args) => Rt.Exec([.. Prefix, Bin ?? Rt.Bin, "--root", StateRoot, .. args], env: Env);

    /// <summary>`run` in the foreground: saves the config first.</summary>
    public Result Run(params string[] extra)
    {
        Save();
        return Cmd(["run", "--bundle", Dir, .. extra, Id]);
    }

    public Result Create(string? id = null, params string[] extra)
    {
        Save();
        return Cmd(["create", "--bundle", Dir, .. extra, id ?? Id]);
    }

    public JsonObject State(string? id = null) => Rt.ParseObject(Cmd("state", id ?? Id).Ok().Out);

    public int Pid(string? id = null) => (int)State(id)["pid"]!;

    /// <summary>Waits until the container is stopped (its init has exited).</summary>
    public bool WaitStopped(string? id = null, TimeSpan? timeout = null) =>
        Rt.WaitFor(() =>
        {
            var r = Cmd("state", id ?? Id);
            return r.Exit != 0 || (string?)Rt.ParseObject(r.Out)["status"] == "stopped";
        }, timeout);

    public void Dispose()
    {
        foreach (var a in _cleanups) { try { a(); } catch (Exception) { } }
        foreach (var id in _ids)
        {
            try { Rt.Exec([.. Prefix, Bin ?? Rt.Bin, "--root", StateRoot, "delete", "--force", id], timeout: TimeSpan.FromSeconds(10), env: Env); }
            catch (Exception) { }
        }
        KillCgroup(CgroupsPath);
        UnmountUnder(Dir);
        try { Directory.Delete(Dir, true); } catch (Exception) { Rt.Exec(["rm", "-rf", "--one-file-system", Dir]); }
        try { Directory.Delete(StateRoot, true); } catch (Exception) { }
    }

    /// <summary>Kills whatever is left in a cgroup and removes its directories.</summary>
    public static void KillCgroup(string cgroupsPath)
    {
        var dirs = Rt.CgroupDirs(cgroupsPath);
        if (dirs.Count == 0) return;
        foreach (var d in dirs)
        {
            var freezer = Path.Combine(d, "freezer.state");
            if (File.Exists(freezer)) try { File.WriteAllText(freezer, "THAWED"); } catch (IOException) { }
        }
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var left = false;
            foreach (var d in dirs)
            {
                foreach (var sub in Directory.EnumerateDirectories(d, "*", SearchOption.AllDirectories).Reverse().Append(d))
                {
                    var procs = Path.Combine(sub, "cgroup.procs");
                    if (!File.Exists(procs)) continue;
                    foreach (var line in File.ReadAllLines(procs))
                        if (int.TryParse(line, out var pid)) { left = true; Interop.Libc.Kill(pid, 9); }
                }
            }
            if (!left) break;
            Thread.Sleep(20);
        }
        foreach (var d in dirs)
        {
            foreach (var sub in Directory.EnumerateDirectories(d, "*", SearchOption.AllDirectories).Reverse().Append(d))
            {
                for (var i = 0; i < 50; i++)
                {
                    try { Directory.Delete(sub); break; }
                    catch (IOException) { Thread.Sleep(20); }
                    catch (UnauthorizedAccessException) { break; }
                }
            }
        }
    }

    public static void UnmountUnder(string dir)
    {
        for (var i = 0; i < 20; i++)
        {
            var mounts = File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4])
                .Where(m => m == dir || m.StartsWith(dir + "/", StringComparison.Ordinal)).ToList();
            if (mounts.Count == 0) return;
            foreach (var m in mounts.OrderByDescending(m => m.Length))
                Rt.Exec(["umount", "-l", m]);
        }
    }
}
