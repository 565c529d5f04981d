using Quai.Oci.Runtime;
using Quai.Runtime.Cgroups;
using Quai.Runtime.Cgroups.Devices;
using Quai.Runtime.Cgroups.V2;
using Xunit.Abstractions;

namespace Quai.Runtime.Tests.Cgroups;

/// <summary>
/// Runs against the host's cgroup2 hierarchy (here /sys/fs/cgroup/unified, which has no controllers —
/// device programs, cgroup.freeze and cgroup.kill are core features and work regardless).
/// </summary>
public class RealKernelV2Tests
{
    private readonly ITestOutputHelper _out;
    public RealKernelV2Tests(ITestOutputHelper output) => _out = output;

    [Fact]
    public void EbpfProgram_DeniesDevNull_AndIsReplacedOnUpdate()
    {
        var mount = RealKernel.Cgroup2Mount(_out);
        if (mount == null) return;
        string dir = Path.Combine(mount, RealKernel.UniqueName());
        try
        {
            Directory.CreateDirectory(dir);
            var allowAll = new DeviceRule('a', -1, -1, DeviceAccess.All, true);
            var denyNull = new DeviceRule('c', 1, 3, DeviceAccess.All, false);
            Bpf.ReplaceDeviceFilter(dir, DeviceFilter.Generate(new[] { allowAll, denyNull }));

            var (code, err) = RealKernel.RunInCgroup(dir, "exec cat /dev/null");
            _out.WriteLine($"deny program: exit {code}: {err}");
            Assert.NotEqual(0, code);
            Assert.NotEqual(99, code);
            Assert.Contains("Operation not permitted", err);
            // Other devices are unaffected.
            Assert.Equal(0, RealKernel.RunInCgroup(dir, "exec cat /dev/zero | head -c 1 >/dev/zero 2>&1; head -c1 /dev/zero > /dev/full; true").ExitCode);

            // Update: the old program must be detached, not stacked (stacked programs would still deny).
            Bpf.ReplaceDeviceFilter(dir, DeviceFilter.Generate(new[] { allowAll }));
            (code, err) = RealKernel.RunInCgroup(dir, "exec cat /dev/null");
            Assert.True(code == 0, $"after replacement: exit {code}: {err}");

            int fd = CgroupNativeAccess.OpenDir(dir);
            try { Assert.Single(Bpf.QueryDevicePrograms(fd, dir)); }
            finally { CgroupNativeAccess.Close(fd); }
        }
        finally
        {
            RealKernel.RemoveCgroup(dir);
        }
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public void V2Manager_Lifecycle_OnRealCgroup2()
    {
        var mount = RealKernel.Cgroup2Mount(_out);
        if (mount == null) return;
        string dir = Path.Combine(mount, RealKernel.UniqueName());
        var m = new V2Manager(dir, mount);
        System.Diagnostics.Process? sleeper = null;
        try
        {
            m.Create();
            Assert.True(m.Exists());
            // Devices only (no controllers are enabled on a hybrid host's cgroup2): runc's default list.
            m.Apply(new Resources { Devices = new() { new DeviceCgroup { Allow = false, Access = "rwm" } } });
            // /dev/kmsg (c 1:11) is not in the default list: opening it must fail with EPERM.
            var (code, err) = RealKernel.RunInCgroup(dir, ": < /dev/kmsg");
            Assert.True(code != 0 && code != 99 && err.Contains("Operation not permitted"), $"/dev/kmsg: exit {code}: {err}");
            Assert.Equal(0, RealKernel.RunInCgroup(dir, "cat /dev/null && head -c1 /dev/urandom > /dev/null").ExitCode);

            sleeper = RealKernel.Sleeper();
            m.AddProcess(sleeper.Id);
            Assert.Contains(sleeper.Id, m.GetPids());
            Assert.Contains(Path.GetFileName(dir), File.ReadAllText($"/proc/{sleeper.Id}/cgroup"));

            m.Freeze();
            Assert.True(m.IsFrozen());
            m.Thaw();
            Assert.False(m.IsFrozen());

            m.KillAll(CgroupManagerBase.SIGKILL); // cgroup.kill
            Assert.True(sleeper.WaitForExit(5000));
            Assert.Empty(m.GetPids());

            m.Destroy();
            Assert.False(Directory.Exists(dir));
            m.Destroy(); // idempotent
        }
        finally
        {
            RealKernel.KillQuietly(sleeper);
            try { m.Destroy(); } catch (Exception) { }
            RealKernel.RemoveCgroup(dir);
        }
    }

    [Fact]
    public void V2Manager_KillAllWithOtherSignal_FreezesSignalsThaws()
    {
        var mount = RealKernel.Cgroup2Mount(_out);
        if (mount == null) return;
        string dir = Path.Combine(mount, RealKernel.UniqueName());
        var m = new V2Manager(dir, mount, new CgroupOptions { SkipDevices = true });
        System.Diagnostics.Process? sleeper = null;
        try
        {
            m.Create();
            sleeper = RealKernel.Sleeper();
            m.AddProcess(sleeper.Id);
            m.KillAll(15);
            Assert.True(sleeper.WaitForExit(5000));
            Assert.False(m.IsFrozen());
            m.Destroy();
            Assert.False(Directory.Exists(dir));
        }
        finally
        {
            RealKernel.KillQuietly(sleeper);
            RealKernel.RemoveCgroup(dir);
        }
    }
}

/// <summary>Test-side open/close of a cgroup directory fd (for BPF_PROG_QUERY).</summary>
internal static partial class CgroupNativeAccess
{
    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int fd);

    public static int OpenDir(string path)
    {
        int fd = Open(path, 0x10000 | 0x80000);
        if (fd < 0) throw new IOException("open " + path);
        return fd;
    }
}
