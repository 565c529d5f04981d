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
    }

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
