using System.Globalization;
using Quai.Oci.Runtime;

namespace Quai.Runtime.Cgroups.Devices;

[Flags]
public enum DeviceAccess : byte
{
    None = 0,
    // Same bit values as the kernel's BPF_DEVCG_ACC_* so programs can use them directly.
    Mknod = 1,
    Read = 2,
    Write = 4,
    All = Mknod | Read | Write,
}

/// <summary>One device cgroup rule; Major/Minor -1 = wildcard; Type 'a' (all), 'c' or 'b'.</summary>
public readonly record struct DeviceRule(char Type, long Major, long Minor, DeviceAccess Access, bool Allow)
{
    public const long Wildcard = -1;

    public bool IsBlanket => Type == 'a' && Major == Wildcard && Minor == Wildcard && Access == DeviceAccess.All;

    public static DeviceRule FromOci(DeviceCgroup d)
    {
        char type = string.IsNullOrEmpty(d.Type) ? 'a' : d.Type!.Length == 1 ? d.Type[0] : '?';
        if (type is not ('a' or 'c' or 'b' or 'u' or 'p'))
            throw new CgroupException($"invalid device cgroup rule type \"{d.Type}\"");
        if (type is 'u') type = 'c'; // unbuffered character device is a character device
        if (type is 'p') throw new CgroupException("device cgroup rules cannot name fifos (type \"p\")");
        return new DeviceRule(type, d.Major ?? Wildcard, d.Minor ?? Wildcard, ParseAccess(d.Access), d.Allow);
    }

    public static DeviceAccess ParseAccess(string? access)
    {
        if (string.IsNullOrEmpty(access)) return DeviceAccess.All;
        DeviceAccess a = DeviceAccess.None;
        foreach (char c in access)
        {
            a |= c switch
            {
                'r' => DeviceAccess.Read,
                'w' => DeviceAccess.Write,
                'm' => DeviceAccess.Mknod,
                _ => throw new CgroupException($"invalid device cgroup access \"{access}\""),
            };
        }
        return a;
    }

    public static string AccessString(DeviceAccess a) =>
        ((a & DeviceAccess.Read) != 0 ? "r" : "") + ((a & DeviceAccess.Write) != 0 ? "w" : "") + ((a & DeviceAccess.Mknod) != 0 ? "m" : "");

    /// <summary>v1 devices.allow / devices.deny syntax: "c 1:3 rwm", "b *:* m", "a".</summary>
    public string ToV1String()
    {
        if (IsBlanket) return "a";
        string maj = Major == Wildcard ? "*" : Major.ToString(CultureInfo.InvariantCulture);
        string min = Minor == Wildcard ? "*" : Minor.ToString(CultureInfo.InvariantCulture);
        return $"{Type} {maj}:{min} {AccessString(Access)}";
    }

    public override string ToString() => (Allow ? "allow " : "deny ") + ToV1String();

    /// <summary>
    /// Devices every container may use (runc appends these after the configured rules):
    /// mknod of any c/b device, /dev/null, random, full, tty, zero, urandom, /dev/pts/*, ptmx, tun.
    /// </summary>
    public static IReadOnlyList<DeviceRule> DefaultAllowed { get; } = new[]
    {
        new DeviceRule('c', Wildcard, Wildcard, DeviceAccess.Mknod, true),
        new DeviceRule('b', Wildcard, Wildcard, DeviceAccess.Mknod, true),
        new DeviceRule('c', 1, 3, DeviceAccess.All, true),   // /dev/null
        new DeviceRule('c', 1, 8, DeviceAccess.All, true),   // /dev/random
        new DeviceRule('c', 1, 7, DeviceAccess.All, true),   // /dev/full
        new DeviceRule('c', 5, 0, DeviceAccess.All, true),   // /dev/tty
        new DeviceRule('c', 1, 5, DeviceAccess.All, true),   // /dev/zero
        new DeviceRule('c', 1, 9, DeviceAccess.All, true),   // /dev/urandom
        new DeviceRule('c', 136, Wildcard, DeviceAccess.All, true), // /dev/pts/*
        new DeviceRule('c', 5, 2, DeviceAccess.All, true),   // /dev/ptmx
        new DeviceRule('c', 10, 200, DeviceAccess.All, true), // /dev/net/tun
    };

    /// <summary>The rule list a container gets: "deny all", the configured rules in order, then <see cref="DefaultAllowed"/>.</summary>
    public static List<DeviceRule> Effective(IEnumerable<DeviceCgroup>? configured, bool appendDefaults = true)
    {
        var list = new List<DeviceRule> { new('a', Wildcard, Wildcard, DeviceAccess.All, false) };
        if (configured != null) list.AddRange(configured.Select(FromOci));
        if (appendDefaults) list.AddRange(DefaultAllowed);
        return list;
    }
}
