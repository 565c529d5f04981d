using Quai.Runtime.IntegrationTests.Infrastructure;

namespace Quai.Runtime.IntegrationTests.Tests;

/// <summary>What a process sees from inside a default container (new pid, uts, mount, net, ipc namespaces).</summary>
public sealed class IsolationTests
{
    [Fact]
    public void Init_is_pid_1()
    {
        using var b = new Bundle("sh", "-c", "echo $$; cat /proc/self/stat | cut -d' ' -f4");
        var r = b.Run().Ok();
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("1", lines[0]);
        Assert.Equal("1", lines[1]); // the parent of cat is the shell, pid 1
    }

    [Fact]
    public void Hostname_is_the_containers_own()
    {
        var host = File.ReadAllText("/proc/sys/kernel/hostname").Trim();
        using var b = new Bundle("hostname");
        b.Config["hostname"] = "it-box";
        var r = b.Run().Ok();
        Assert.Equal("it-box", r.Out.Trim());
        Assert.Equal(host, File.ReadAllText("/proc/sys/kernel/hostname").Trim());
    }

    [Fact]
    public void Mount_table_is_not_the_hosts()
    {
        using var b = new Bundle("cat", "/proc/self/mountinfo");
        var r = b.Run().Ok();
        var inside = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[4]).ToHashSet();
        var host = File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4]).ToHashSet();
        Assert.Contains("/", inside);
        Assert.Contains("/proc", inside);
        Assert.Contains("/dev", inside);
        // only the config's mounts: none of the host's other mount points, not the bundle
        static bool FromConfig(string m) => m == "/" || m.StartsWith("/proc", StringComparison.Ordinal) ||
                                            m.StartsWith("/dev", StringComparison.Ordinal) || m.StartsWith("/sys", StringComparison.Ordinal);
        Assert.All(inside, m => Assert.True(FromConfig(m), $"unexpected mount point {m} in the container"));
        Assert.Contains(host, m => !FromConfig(m)); // the host has others (else this proves nothing)
        Assert.DoesNotContain(inside, m => m.StartsWith(Rt.Scratch, StringComparison.Ordinal));
    }

    [Fact]
    public void Ps_shows_only_the_containers_processes()
    {
        using var b = new Bundle("sh", "-c", "sleep 30 & sleep 0.3; ps -o pid,comm; true");
        var r = b.Run().Ok();
        var rows = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(l => l.Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries)).ToList();
        var comms = rows.Select(x => x[1].Trim()).Order().ToList();
        Assert.Equal(["ps", "sh", "sleep"], comms);
        Assert.Contains(rows, x => x[0] == "1" && x[1].Trim() == "sh");
        Assert.All(rows, x => Assert.True(int.Parse(x[0]) < 10, $"pid {x[0]} looks like a host pid"));
    }

    [Fact]
    public void New_network_namespace_has_only_loopback()
    {
        static List<string> Interfaces(string procNetDev) => procNetDev.Split('\n')
            .Where(l => l.Contains(':')).Select(l => l.Split(':')[0].Trim()).Order().ToList();
        using var b = new Bundle("cat", "/proc/net/dev");
        var r = b.Run().Ok();
        Assert.Equal(["lo"], Interfaces(r.Out));
        var host = Interfaces(File.ReadAllText("/proc/net/dev"));
        Assert.Contains(host, i => i != "lo"); // else this test would prove nothing on this machine
    }
}
