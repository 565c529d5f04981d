using Quai.Interop;
using Quai.Oci.Runtime;

namespace Quai.Runtime.Process;

/// <summary>process.rlimits: names to resource numbers, applied with prlimit.</summary>
public static unsafe class Rlimits
{
    public static readonly string[] Names =
    [
        "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS", "RLIMIT_NPROC",
        "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE",
        "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
    ];

    public static int Number(string name)
    {
        var i = Array.IndexOf(Names, name);
        if (i < 0) throw new InvalidDataException($"rlimit type \"{name}\" is not one of {string.Join(", ", Names)}");
        return i;
    }

    public static void Apply(IEnumerable<Rlimit>? limits, int pid = 0)
    {
        foreach (var l in limits ?? [])
        {
            var r = new Libc.RLimit { Cur = l.Soft, Max = l.Hard };
            if (Libc.Prlimit(pid, Number(l.Type), &r, null) < 0)
                throw ErrnoException.FromLast($"setrlimit {l.Type} soft {l.Soft} hard {l.Hard}");
        }
    }
}
