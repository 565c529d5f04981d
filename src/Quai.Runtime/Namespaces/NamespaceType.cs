using Quai.Interop;

namespace Quai.Runtime.Namespaces;

/// <summary>The spec's namespace names, their clone flags and their /proc/PID/ns file names.</summary>
public static class NamespaceType
{
    public static readonly (string Name, uint Flag, string ProcName)[] All =
    [
        ("user", Clone.NEWUSER, "user"), ("ipc", Clone.NEWIPC, "ipc"), ("uts", Clone.NEWUTS, "uts"),
        ("network", Clone.NEWNET, "net"), ("pid", Clone.NEWPID, "pid"), ("cgroup", Clone.NEWCGROUP, "cgroup"),
        ("time", Clone.NEWTIME, "time"), ("mount", Clone.NEWNS, "mnt"),
    ];

    public static uint Flag(string name)
    {
        foreach (var n in All) if (n.Name == name) return n.Flag;
        throw new InvalidDataException($"namespace type \"{name}\" is not one of {string.Join(", ", All.Select(a => a.Name))}");
    }

    public static string ProcName(string name) => All.First(n => n.Name == name).ProcName;

    public static bool IsSupported(string name) => File.Exists($"/proc/self/ns/{ProcName(name)}");
}
