using System.Diagnostics;
using Quai.Network.Netns;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Quai.Network.IntegrationTests;

/// <summary>A network namespace of the test's own (`ip netns add qnt-…`), deleted on Dispose whatever
/// happened: everything a test creates (bridges, veths, rules, container namespaces' host ends) lives in
/// it, so the host's interfaces, routes and firewall are never touched.</summary>
public sealed class TestNetns : IDisposable
{
    public string Name { get; } = "qnt-" + Guid.NewGuid().ToString("N")[..8];
    public string Path => "/run/netns/" + Name;
    public string Dir { get; } = Directory.CreateTempSubdirectory("qnt-").FullName;

    public TestNetns()
    {
        Sh("ip", "netns", "add", Name);
        Sh("ip", "-n", Name, "link", "set", "lo", "up");
    }

    /// <summary>Runs <paramref name="f"/> on a thread inside the namespace.</summary>
    public T In<T>(Func<T> f) => NetnsFile.OnThread(() => NetnsFile.InNamespace(Path, f));
    public void In(Action a) => In(() => { a(); return 0; });

    public static (int Code, string Out) Run(params string[] args)
    {
        var psi = new ProcessStartInfo(args[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args.Skip(1)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, o.Result + e.Result);
    }

    public static string Sh(params string[] args)
    {
        var (code, o) = Run(args);
        if (code != 0) throw new InvalidOperationException($"{string.Join(' ', args)}: exit {code}: {o}");
        return o;
    }

    /// <summary>A command run inside the namespace at <paramref name="netns"/> (a test netns or a container's file).</summary>
    public static (int Code, string Out) InNs(string netns, params string[] args) => Run(["nsenter", "--net=" + netns, .. args]);

    public void Dispose()
    {
        // unmount whatever namespace files a failed test left in its directory, then the namespace itself
        foreach (var f in Directory.EnumerateFiles(Dir, "*", SearchOption.AllDirectories))
            try { NetnsFile.Remove(f); } catch (Exception) { }
        Run("ip", "netns", "del", Name);
        try { Directory.Delete(Dir, true); } catch (Exception) { }
    }
}
