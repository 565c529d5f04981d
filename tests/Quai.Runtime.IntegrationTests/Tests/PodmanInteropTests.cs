using Quai.Runtime.IntegrationTests.Infrastructure;

namespace Quai.Runtime.IntegrationTests.Tests;

/// <summary>podman (Debian's) drives quai-runtime as its OCI runtime through conmon: the
/// create/start/state/kill/delete/exec contract a real caller relies on. podman runs with its
/// own temporary storage so the host's images and containers are never touched.</summary>
public sealed class PodmanInteropTests : IDisposable
{
    private readonly string _dir = Path.Combine(Rt.Scratch, "podman-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly string _image;
    private readonly string[] _podman;

    // This host lacks CAP_SYS_RESOURCE: podman's default rlimits (nproc 1048576…) cannot be set,
    // by runc either, so the tests pass explicit ones.
    private static readonly string[] Limits = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096"];

    public PodmanInteropTests()
    {
        Directory.CreateDirectory(_dir);
        _image = "localhost/quai-it-" + Path.GetFileName(_dir)[7..] + ":latest";
        _podman =
        [
            "podman", "--root", Path.Combine(_dir, "storage"), "--runroot", Path.Combine(_dir, "run"),
            "--runtime", Rt.Bin, "--cgroup-manager=cgroupfs", "--events-backend=file", "--storage-driver=vfs",
        ];
        var rootfs = Path.Combine(_dir, "rootfs");
        Bundle.MakeRootfs(rootfs);
        var tar = Path.Combine(_dir, "rootfs.tar");
        Rt.Exec(["tar", "-C", rootfs, "-cf", tar, "."]).Ok();
        Podman(["import", "-q", tar, _image], TimeSpan.FromSeconds(60)).Ok();
    }

    private Result Podman(IEnumerable<string> args, TimeSpan? timeout = null) =>
        Rt.Exec([.. _podman, .. args], timeout: timeout ?? TimeSpan.FromSeconds(60));

    [Fact]
    public void Run_prints_output_and_propagates_the_exit_status()
    {
        var r = Podman(["run", "--rm", "--network", "none", .. Limits, _image, "sh", "-c", "echo hello from quai; exit 7"]);
        Assert.Equal(7, r.Exit);
        Assert.Contains("hello from quai", r.Out);
    }

    [Fact]
    public void Detached_container_supports_exec_logs_stop_and_rm()
    {
        var id = Podman(["run", "-d", "--network", "none", .. Limits, _image, "sh", "-c", "echo started; exec sleep 300"]).Ok().Out.Trim();
        try
        {
            var exec = Podman(["exec", id, "sh", "-c", "echo in-container; cat /proc/1/cmdline | tr '\\0' ' '"]).Ok();
            Assert.Contains("in-container", exec.Out);
            Assert.Contains("sleep 300", exec.Out);
            Assert.True(Rt.WaitFor(() => Podman(["logs", id]).Out.Contains("started")), "logs never showed the output");
            Assert.Contains("running", Podman(["inspect", "-f", "{{.State.Status}}", id]).Ok().Out);
            Podman(["stop", "-t", "1", id]).Ok();
            Assert.Contains("exited", Podman(["inspect", "-f", "{{.State.Status}}", id]).Ok().Out);
        }
        finally
        {
            Podman(["rm", "-f", id]);
        }
        Assert.DoesNotContain(id[..12], Podman(["ps", "-a", "-q"]).Out);
    }

    [Fact]
    public void Terminal_is_a_pty_passed_over_the_console_socket()
    {
        var r = Podman(["run", "--rm", "-t", "--network", "none", .. Limits, _image, "sh", "-c", "tty; stty size"]).Ok();
        Assert.Contains("/dev/pts/", r.Out);
    }

    public void Dispose()
    {
        Podman(["rm", "-af"]);
        Podman(["rmi", "-af"]);
        // mountinfo lines: field 5 is the mount point
        foreach (var m in Rt.HostMountsMentioning(_dir).Select(l => l.Split(' ')[4]).OrderByDescending(m => m.Length))
            Rt.Exec(["umount", "-l", m]);
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
