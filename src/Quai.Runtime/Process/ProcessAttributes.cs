using System.Runtime.InteropServices;
using Quai.Interop;
using Quai.Oci.Runtime;

namespace Quai.Runtime.Process;

/// <summary>Scheduler, I/O priority and personality of the container process (inherited across exec).</summary>
public static unsafe class ProcessAttributes
{
    [StructLayout(LayoutKind.Sequential)]
    private struct SchedAttr
    {
        public uint Size, Policy;
        public ulong Flags;
        public int Nice;
        public uint Priority;
        public ulong Runtime, Deadline, Period;
    }

    private static readonly string[] Policies =
        ["SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE"];

    private static readonly string[] SchedFlags =
    [
        "SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM", "SCHED_FLAG_DL_OVERRUN", "SCHED_FLAG_KEEP_POLICY",
        "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN", "SCHED_FLAG_UTIL_CLAMP_MAX",
    ];

    public static readonly string[] IoClasses = ["IOPRIO_CLASS_NONE", "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE"];

    public static uint PolicyNumber(string p)
    {
        var i = Array.IndexOf(Policies, p);
        if (i < 0 || i == 4) throw new InvalidDataException($"scheduler policy \"{p}\" is not supported");
        return (uint)i;
    }

    public static ulong FlagBits(IEnumerable<string>? flags)
    {
        ulong bits = 0;
        foreach (var f in flags ?? [])
        {
            var i = Array.IndexOf(SchedFlags, f);
            if (i < 0) throw new InvalidDataException($"scheduler flag \"{f}\" is not supported");
            bits |= 1UL << i;
        }
        return bits;
    }

    public static void ApplyScheduler(Scheduler? s)
    {
        if (s is null) return;
        var attr = new SchedAttr
        {
            Size = (uint)sizeof(SchedAttr), Policy = PolicyNumber(s.Policy), Flags = FlagBits(s.Flags), Nice = s.Nice,
            Priority = (uint)s.Priority, Runtime = s.Runtime, Deadline = s.Deadline, Period = s.Period,
        };
        if (Libc.Syscall(Sys.SchedSetattr, 0, (long)&attr, 0, 0, 0) < 0)
            throw ErrnoException.FromLast($"sched_setattr {s.Policy}");
    }

    public static void ApplyIoPriority(IoPriority? p)
    {
        if (p is null) return;
        var cls = Array.IndexOf(IoClasses, p.Class);
        if (cls < 0) throw new InvalidDataException($"ioPriority class \"{p.Class}\" is not one of {string.Join(", ", IoClasses)}");
        if (p.Priority is < 0 or > 7) throw new InvalidDataException($"ioPriority priority {p.Priority} is not between 0 and 7");
        if (Libc.Syscall(Sys.IoprioSet, 1 /* IOPRIO_WHO_PROCESS */, 0, (cls << 13) | p.Priority, 0, 0) < 0)
            throw ErrnoException.FromLast($"ioprio_set {p.Class} {p.Priority}");
    }

    public static void ApplyPersonality(Personality? p)
    {
        if (p is null) return;
        ulong domain = p.Domain switch
        {
            "LINUX" => 0,
            "LINUX32" => 8,
            _ => throw new InvalidDataException($"personality domain \"{p.Domain}\" is not LINUX or LINUX32"),
        };
        if (p.Flags is { Count: > 0 }) throw new InvalidDataException("personality flags are not supported");
        if (Libc.Personality(domain) < 0) throw ErrnoException.FromLast($"personality {p.Domain}");
    }
}
