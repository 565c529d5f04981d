namespace Quai.Runtime.Security;

/// <summary>Capability names (CAP_CHOWN …) and numbers, and the masks passed to capset.</summary>
public static class Capabilities
{
    public static readonly string[] Names =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
        "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN",
        "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
    ];

    /// <summary>Docker's default set (moby oci/caps/defaults.go).</summary>
    public static readonly string[] DockerDefault =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
        "CAP_AUDIT_WRITE",
    ];

    private static int? _lastCap;

    /// <summary>The highest capability this kernel knows (/proc/sys/kernel/cap_last_cap).</summary>
    public static int LastCap => _lastCap ??= ReadLastCap();

    private static int ReadLastCap()
    {
        try { return int.Parse(File.ReadAllText("/proc/sys/kernel/cap_last_cap").Trim()); }
        catch (IOException) { return Names.Length - 1; }
    }

    /// <summary>What `--privileged` and `--cap-add ALL` give, as Docker's GetAllCapabilities: every capability this
    /// kernel knows that is also in this process's bounding set (a host or an outer container that lacks
    /// CAP_SYS_RESOURCE cannot hand it on, and asking capset for it fails).</summary>
    public static List<string> Available()
    {
        var bounding = ReadStatusMask("CapBnd:") ?? ulong.MaxValue;
        return Names.Take(LastCap + 1).Where((_, i) => (bounding & (1UL << i)) != 0).ToList();
    }

    private static ulong? ReadStatusMask(string field)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith(field, StringComparison.Ordinal))
                    return Convert.ToUInt64(line[field.Length..].Trim(), 16);
        }
        catch (IOException) { }
        return null;
    }

    public static int Number(string name)
    {
        var i = Array.IndexOf(Names, name.ToUpperInvariant());
        if (i < 0) throw new InvalidDataException($"unknown capability \"{name}\"");
        return i;
    }

    /// <summary>This process's permitted set (CapPrm of /proc/self/status).</summary>
    public static ulong Current()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("CapPrm:", StringComparison.Ordinal))
                return Convert.ToUInt64(line[7..].Trim(), 16);
        throw new IOException("/proc/self/status has no CapPrm line");
    }

    public static IEnumerable<string> NamesOf(ulong mask)
    {
        for (var i = 0; i < 64; i++)
            if ((mask & (1UL << i)) != 0) yield return i < Names.Length ? Names[i] : $"capability {i}";
    }

    /// <summary>Bit mask of the named capabilities. Capabilities this kernel does not know are
    /// ignored with a warning, as runc does.</summary>
    public static ulong Mask(IEnumerable<string>? names, Action<string>? warn = null)
    {
        ulong mask = 0;
        foreach (var n in names ?? [])
        {
            var i = Number(n);
            if (i > LastCap) { warn?.Invoke($"capability {n} is not supported by this kernel: ignored"); continue; }
            mask |= 1UL << i;
        }
        return mask;
    }
}
