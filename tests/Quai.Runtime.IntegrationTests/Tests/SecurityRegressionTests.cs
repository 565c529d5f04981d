using System.Text.Json.Nodes;
using Quai.Runtime.IntegrationTests.Infrastructure;

namespace Quai.Runtime.IntegrationTests.Tests;

/// <summary>CVE-2019-5736: the container must not be able to overwrite the runtime binary.
/// These tests use a private copy of quai-runtime so that no other test keeps it busy
/// (ETXTBSY would hide a vulnerable runtime).</summary>
public sealed class Cve2019_5736Tests : IDisposable
{
    private readonly string _bin;
    private readonly string _hash;

    public Cve2019_5736Tests()
    {
        _bin = Path.Combine(Rt.Scratch, "quai-runtime-copy-" + Guid.NewGuid().ToString("N")[..8]);
        File.Copy(Rt.Bin, _bin);
        File.SetUnixFileMode(_bin, (UnixFileMode)0x1ED);
        _hash = Rt.Sha256(_bin);
    }

    public void Dispose() => File.Delete(_bin);

    [Fact]
    public void Container_holding_the_init_exe_cannot_write_to_it_after_start()
    {
        // A is created: its init is the runtime, pid 1 of A's pid namespace, waiting for start.
        using var a = new Bundle("sleep", "60") { Bin = _bin };
        a.Create().Ok();
        var initPid = a.Pid();
        var hostExe = File.ResolveLinkTarget($"/proc/{initPid}/exe", false)!.ToString();
        Assert.NotEqual(_bin, hostExe); // the init does not run the on-disk binary at all
        // B joins A's pid namespace, opens /proc/1/exe (the runtime init) and, once A has
        // started (its pid 1 is busybox's sleep), reopens that handle for writing.
        const string attack = """
            exec 3</proc/1/exe || { echo open-failed; exit 0; }
            echo opened
            while [ "$(readlink /proc/1/exe)" != /bin/busybox ]; do sleep 0.02; done
            i=0
            while [ $i -lt 50 ]; do
              if echo PWNED >> /proc/$$/fd/3; then echo WROTE; exit 0; fi
              i=$((i+1)); sleep 0.02
            done
            echo refused
            """;
        using var b = new Bundle("sh", "-c", attack) { Bin = _bin };
        // a privileged attacker: CAP_SYS_PTRACE, else it may not even open the init's exe
        foreach (var set in new[] { "bounding", "effective", "permitted" })
            foreach (var cap in new[] { "CAP_SYS_PTRACE", "CAP_DAC_OVERRIDE" })
                b.Process["capabilities"]![set]!.AsArray().Add(cap);
        foreach (var n in b.Namespaces)
            if ((string?)n!["type"] == "pid") n["path"] = $"/proc/{initPid}/ns/pid";
        b.Save();
        var run = Task.Run(() => b.Cmd("run", "--bundle", b.Dir, b.Id));
        Thread.Sleep(300);
        a.Cmd("start", a.Id).Ok();
        Assert.True(run.Wait(TimeSpan.FromSeconds(20)));
        var r = run.Result;
        Assert.True(r.Out.Contains("opened"), r.ToString());
        Assert.Contains("opened", r.Out + r.Err);
        Assert.DoesNotContain("WROTE", r.Out);
        Assert.Contains("refused", r.Out);
        Assert.Equal(_hash, Rt.Sha256(_bin));
    }

    [Fact]
    public void Shebang_to_proc_self_exe_runs_only_a_sealed_copy()
    {
        // /bin/evil's interpreter is /proc/self/exe: exec'ing it runs the runtime binary (the
        // init's executable) inside the container; the host binary must not change.
        using var a = new Bundle("/bin/evil") { Bin = _bin };
        File.WriteAllText(Path.Combine(a.Rootfs, "bin/evil"), "#!/proc/self/exe\n");
        File.SetUnixFileMode(Path.Combine(a.Rootfs, "bin/evil"), (UnixFileMode)0x1ED);
        var r = a.Run();
        // the runtime binary really ran in the container (as its pid 1) and refused "/bin/evil"
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("/bin/evil", r.Err);
        Assert.Equal(_hash, Rt.Sha256(_bin));
    }
}

/// <summary>CVE-2024-21626: no host fd reaches the container, and a cwd through a leaked fd fails.</summary>
public sealed class Cve2024_21626Tests
{
    /// <summary>Runs quai-runtime with extra fds 7 (a host directory) and 8 (a host file) open without CLOEXEC.</summary>
    private static Result WithLeakyParent(Bundle b, params string[] args) =>
        Rt.Exec(["sh", "-c", "exec 7</tmp 8</etc/hostname; exec \"$0\" \"$@\"", Rt.Bin, "--root", b.StateRoot, .. args]);

    private static List<string> FdList(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).Order().ToList();

    [Fact]
    public void Run_passes_only_stdio()
    {
        using var b = new Bundle("sh", "-c", "ls /proc/$$/fd; true");
        b.Save();
        var r = WithLeakyParent(b, "run", "--bundle", b.Dir, b.Id).Ok();
        Assert.Equal(["0", "1", "2"], FdList(r.Out));
    }

    [Fact]
    public void Run_with_preserve_fds_passes_exactly_those()
    {
        using var b = new Bundle("sh", "-c", "ls /proc/$$/fd; true");
        b.Save();
        var r = Rt.Exec(["sh", "-c", "exec 3</etc/hostname 7</tmp; exec \"$0\" \"$@\"", Rt.Bin, "--root", b.StateRoot,
            "run", "--preserve-fds", "1", "--bundle", b.Dir, b.Id]).Ok();
        Assert.Equal(["0", "1", "2", "3"], FdList(r.Out));
    }

    [Fact]
    public void Exec_passes_only_stdio()
    {
        using var b = new Bundle("sleep", "60");
        b.Create().Ok();
        b.Cmd("start", b.Id).Ok();
        var r = WithLeakyParent(b, "exec", b.Id, "sh", "-c", "ls /proc/$$/fd; true").Ok();
        Assert.Equal(["0", "1", "2"], FdList(r.Out));
        // and the container's init holds nothing more either
        var init = b.Cmd("exec", b.Id, "ls", "/proc/1/fd").Ok();
        Assert.Equal(["0", "1", "2"], FdList(init.Out));
    }

    [Theory]
    [InlineData("/proc/self/fd/7")]
    [InlineData("/proc/self/fd/8")]
    [InlineData("/proc/self/fd/4")]
    public void Cwd_through_a_leaked_fd_fails(string cwd)
    {
        using var b = new Bundle("sh", "-c", "pwd; ls /");
        b.Process["cwd"] = cwd;
        b.Save();
        var r = WithLeakyParent(b, "run", "--bundle", b.Dir, b.Id);
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("cwd", r.Err);
        Assert.False(Directory.Exists(Path.Combine(b.StateRoot, b.Id)));
    }

    [Fact]
    public void Exec_cwd_through_a_leaked_fd_fails()
    {
        using var b = new Bundle("sleep", "60");
        b.Create().Ok();
        b.Cmd("start", b.Id).Ok();
        foreach (var n in new[] { 4, 5, 6, 7, 8 })
        {
            var r = WithLeakyParent(b, "exec", "--cwd", $"/proc/self/fd/{n}", b.Id, "pwd");
            Assert.NotEqual(0, r.Exit);
        }
    }
}

/// <summary>CVE-2021-30465 and relatives: mount destinations, cwd and masked paths that are
/// symlinks out of the rootfs resolve inside it or are refused; the host is never touched.</summary>
public sealed class SymlinkEscapeTests
{
    [Fact]
    public void Mount_destination_through_a_symlink_to_root_lands_inside_the_rootfs()
    {
        using var b = new Bundle("sh", "-c", "cat /landed-abs/file /landed-rel/file; grep -c landed /proc/self/mountinfo");
        var tag = Guid.NewGuid().ToString("N")[..8];
        var src = Path.Combine(b.Dir, "src");
        Directory.CreateDirectory(src);
        File.WriteAllText(Path.Combine(src, "file"), "src\n");
        File.CreateSymbolicLink(Path.Combine(b.Rootfs, "abs"), "/");
        File.CreateSymbolicLink(Path.Combine(b.Rootfs, "rel"), "../../../../../../..");
        // the container sees them at /landed-abs and /landed-rel (the links point at its root)
        Directory.CreateDirectory(Path.Combine(b.Rootfs, "landed-abs"));
        b.AddMount("/abs/landed-abs", "bind", src, "bind", "ro");
        b.AddMount("/rel/landed-rel", "bind", src, "bind", "ro");
        b.AddMount("/abs/tmp/landed-" + tag, "tmpfs", "tmpfs", "size=1m");
        var r = b.Run().Ok();
        Assert.Equal(["src", "src", "3"], r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        // nothing created or mounted at the host paths the links point to
        Assert.False(Directory.Exists("/landed-rel"));
        Assert.False(Directory.Exists("/landed-abs"));
        Assert.False(Directory.Exists("/tmp/landed-" + tag));
        Assert.True(Directory.Exists(Path.Combine(b.Rootfs, "landed-rel")));
        Assert.True(Directory.Exists(Path.Combine(b.Rootfs, "tmp/landed-" + tag)));
        Assert.Empty(Rt.HostMountsMentioning("landed"));
    }

    [Fact]
    public void Racing_symlink_swap_never_mounts_outside_the_rootfs()
    {
        // While containers are created with a mount on /race/dst, another thread keeps
        // swapping rootfs/race between a directory and a symlink to a host directory.
        var tag = Guid.NewGuid().ToString("N")[..8];
        var victim = Path.Combine(Rt.Scratch, "victim-" + tag);
        Directory.CreateDirectory(Path.Combine(victim, "dst"));
        File.WriteAllText(Path.Combine(victim, "dst", "marker"), "host");
        try
        {
            using var b = new Bundle("sh", "-c", "ls /race/dst");
            var src = Path.Combine(b.Dir, "src");
            Directory.CreateDirectory(src);
            File.WriteAllText(Path.Combine(src, "from-src"), "x");
            b.AddMount("/race/dst", "bind", src, "bind");
            b.Save();
            var race = Path.Combine(b.Rootfs, "race");
            var stop = false;
            var swapper = new Thread(() =>
            {
                var dirTmp = Path.Combine(b.Rootfs, ".race-dir");
                var linkTmp = Path.Combine(b.Rootfs, ".race-link");
                while (!Volatile.Read(ref stop))
                {
                    try
                    {
                        Directory.CreateDirectory(Path.Combine(dirTmp, "dst"));
                        if (Directory.Exists(race) && new FileInfo(race).LinkTarget is null) Directory.Delete(race, true);
                        else File.Delete(race);
                        Directory.Move(dirTmp, race);
                        File.CreateSymbolicLink(linkTmp, victim);
                        Directory.Delete(race, true);
                        File.Move(linkTmp, race);
                    }
                    catch (IOException) { }
                    catch (UnauthorizedAccessException) { }
                }
            });
            swapper.Start();
            try
            {
                for (var i = 0; i < 15; i++)
                {
                    var id = b.NewId();
                    b.Cmd("run", "--bundle", b.Dir, id); // may fail when the swap hits mid-way: that is fine
                    Assert.Equal(["marker"], Directory.GetFiles(Path.Combine(victim, "dst")).Select(Path.GetFileName));
                }
            }
            finally
            {
                Volatile.Write(ref stop, true);
                swapper.Join();
            }
            Assert.Empty(Rt.HostMountsMentioning(victim));
            Assert.Equal("host", File.ReadAllText(Path.Combine(victim, "dst", "marker")));
        }
        finally { Directory.Delete(victim, true); }
    }

    [Fact]
    public void Cwd_symlink_to_outside_resolves_inside()
    {
        using var b = new Bundle("sh", "-c", "pwd -P; ls");
        File.WriteAllText(Path.Combine(b.Rootfs, "tmp", "inside-marker"), "");
        File.CreateSymbolicLink(Path.Combine(b.Rootfs, "wd"), "../../../../../../../tmp");
        b.Process["cwd"] = "/wd";
        var r = b.Run().Ok();
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("/tmp", lines[0]);
        Assert.Equal(["inside-marker"], lines.Skip(1));
    }

    [Fact]
    public void Masked_and_readonly_paths_that_are_symlinks_to_host_files_do_not_reach_the_host()
    {
        foreach (var kind in new[] { "maskedPaths", "readonlyPaths" })
        {
            using var b = new Bundle("sh", "-c", "cat /etc/secret; echo pwned > /etc/secret; true");
            var hostFile = Path.Combine(b.Dir, "host-secret");
            File.WriteAllText(hostFile, "host-data");
            File.CreateSymbolicLink(Path.Combine(b.Rootfs, "etc/secret"), hostFile);
            b.Linux[kind]!.AsArray().Add("/etc/secret");
            var r = b.Run();
            if (r.Exit != 0) Assert.Contains("/etc/secret", r.Err); // refused, naming the path
            Assert.DoesNotContain("host-data", r.Out);
            Assert.Equal("host-data", File.ReadAllText(hostFile));
            Assert.Empty(Rt.HostMountsMentioning(hostFile));
            Assert.Empty(Rt.HostMountsMentioning(b.Rootfs));
            Assert.False(Directory.Exists(Path.Combine(b.StateRoot, b.Id)));
            Assert.Empty(Rt.CgroupDirs(b.CgroupsPath));
        }
    }

    [Fact]
    public void Dev_console_symlink_to_a_host_file_is_not_followed()
    {
        using var b = new Bundle("sh", "-c", "echo via-console > /dev/console; tty");
        // no /dev tmpfs: the rootfs's own dev directory is used, and it holds the trap
        var mounts = b.Config["mounts"]!.AsArray();
        mounts.Remove(mounts.Single(m => (string?)m!["destination"] == "/dev"));
        var hostFile = Path.Combine(b.Dir, "host-console");
        File.WriteAllText(hostFile, "untouched");
        File.CreateSymbolicLink(Path.Combine(b.Rootfs, "dev/console"), hostFile);
        b.Process["terminal"] = true;
        var socketPath = Path.Combine(b.Dir, "c.sock");
        using var listener = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        listener.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(socketPath));
        listener.Listen(1);
        b.Save();
        var run = Task.Run(() => b.Cmd("run", "--console-socket", socketPath, "--bundle", b.Dir, b.Id));
        var accept = listener.AcceptAsync();
        var output = new System.Text.StringBuilder();
        if (accept.Wait(TimeSpan.FromSeconds(10)))
        {
            using var conn = accept.Result;
            try
            {
                var (master, _) = Quai.Runtime.Terminal.ConsoleSocket.ReceiveFd((int)conn.Handle);
                using var s = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(master, true), FileAccess.Read, 1);
                var buf = new byte[4096];
                int n;
                try { while ((n = s.Read(buf)) > 0) output.Append(System.Text.Encoding.UTF8.GetString(buf, 0, n)); }
                catch (IOException) { }
            }
            catch (IOException) { /* the runtime may refuse before sending the pty */ }
        }
        Assert.True(run.Wait(TimeSpan.FromSeconds(15)));
        var r = run.Result;
        // either refused, naming /dev/console, or the container's console is its pty
        if (r.Exit != 0) Assert.Contains("console", r.Err);
        else Assert.Contains("/dev/pts/", output.ToString());
        Assert.Equal("untouched", File.ReadAllText(hostFile));
        Assert.Empty(Rt.HostMountsMentioning(hostFile));
        Assert.True(File.ResolveLinkTarget(Path.Combine(b.Rootfs, "dev/console"), false) is null
                    || new FileInfo(Path.Combine(b.Rootfs, "dev/console")).LinkTarget == hostFile);
    }
}
