using Quai.Engine.Containers;

namespace Quai.Engine.Specs;

/// <summary>What dockerd refuses in a HostConfig at create, with its messages (shared by every front).</summary>
public static class HostConfigRules
{
    private static readonly string[] SecurityOptKeys = ["label", "apparmor", "seccomp", "no-new-privileges", "systempaths", "writable-cgroups"];

    public static void Check(HostConfig hc)
    {
        if (hc.Memory == 0 && hc.MemorySwap > 0)
            throw new EngineUsageException("You should always set the Memory limit when using Memoryswap limit, see usage");
        if (hc.Memory > 0 && hc.MemorySwap > 0 && hc.MemorySwap < hc.Memory)
            throw new EngineUsageException("Minimum memoryswap limit should be larger than memory limit, see usage");
        foreach (var opt in hc.SecurityOpt ?? [])
            CheckSecurityOpt(opt);
        if (!(hc.PidMode is "" or "host" || IsContainerMode(hc.PidMode))) throw new EngineUsageException("--pid: invalid PID mode");
        if (!(hc.IpcMode is "" or "none" or "private" or "shareable" or "host" || IsContainerMode(hc.IpcMode))) throw new EngineUsageException("--ipc: invalid IPC mode");
        if (hc.IpcMode == "") hc.IpcMode = "private";
        if (hc.UtsMode is not ("" or "host")) throw new EngineUsageException("--uts: invalid UTS mode");
        if (hc.UsernsMode is not ("" or "host")) throw new EngineUsageException(hc.UsernsMode == "private"
            ? "--userns private is not supported: quai runs rootful containers in the host's user namespace" : "--userns: invalid USER mode");
        if (hc.CgroupnsMode is not ("" or "host" or "private")) throw new EngineUsageException("--cgroupns: invalid CGROUP mode");
        if (hc.CpuPeriod != 0 && hc.NanoCpus != 0 || hc.CpuQuota != 0 && hc.NanoCpus != 0)
            throw new EngineUsageException("Conflicting options: Nano CPUs and CPU Period cannot both be set");
        if (hc.CpuPeriod != 0 && hc.CpuPeriod is < 1000 or > 1000000) throw new EngineUsageException("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1 second (i.e. 1000000)");
        if (hc.CpuQuota != 0 && hc.CpuQuota < 1000) throw new EngineUsageException("CPU cfs quota can not be less than 1ms (i.e. 1000)");
        if (hc.BlkioWeight != 0 && hc.BlkioWeight is < 10 or > 1000) throw new EngineUsageException("Range of blkio weight is from 10 to 1000");
        if (hc.Memory > 0 && hc.MemoryReservation > hc.Memory)
            throw new EngineUsageException("Minimum memory limit can not be less than memory reservation limit, see usage");
        if (hc.MemoryReservation is > 0 and < 6 * 1024 * 1024) throw new EngineUsageException("Minimum memory reservation allowed is 6MB");
    }

    public static bool IsContainerMode(string mode) => mode.StartsWith("container:", StringComparison.Ordinal) && mode.Length > "container:".Length;

    /// <summary>`--security-opt`: KEY=VALUE (or the older KEY:VALUE), or no-new-privileges alone.</summary>
    public static void CheckSecurityOpt(string opt)
    {
        if (opt == "no-new-privileges") return;
        if (opt.IndexOfAny(['=', ':']) < 0) throw new EngineUsageException($"Invalid --security-opt: \"{opt}\"");
        var (key, value) = SpecBuilder.SplitOpt(opt);
        var ok = key switch
        {
            "no-new-privileges" => value is "true" or "false" or "1" or "0",
            "systempaths" => value == "unconfined",
            "writable-cgroups" => value is "true" or "false",
            _ => SecurityOptKeys.Contains(key),
        };
        if (!ok) throw new EngineUsageException($"invalid --security-opt 2: \"{opt}\"");
    }
}
