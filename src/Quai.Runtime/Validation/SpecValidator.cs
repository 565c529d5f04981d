using Quai.Oci.Runtime;
using Quai.Runtime.Namespaces;
using Quai.Runtime.Process;
using Quai.Runtime.Rootfs;
using Quai.Runtime.Security;

namespace Quai.Runtime.Validation;

/// <summary>Checks a config before anything is created, so bad input leaves nothing behind.
/// Messages name the field and the value.</summary>
public static class SpecValidator
{
    public static void Validate(Spec spec, bool rootless, bool forExec = false, Action<string>? warn = null)
    {
        var errors = new List<string>();
        if (string.IsNullOrEmpty(spec.OciVersion)) errors.Add("ociVersion must be set");
        else if (!spec.OciVersion.StartsWith("1.", StringComparison.Ordinal))
            errors.Add($"ociVersion {spec.OciVersion} is not supported (1.x expected)");
        if (!forExec && string.IsNullOrEmpty(spec.Root?.Path)) errors.Add("root.path must be set");
        if (spec.Process is null) errors.Add("process must be set");
        else ValidateProcess(spec.Process, errors, warn);

        var linux = spec.Linux;
        var seen = new HashSet<string>();
        foreach (var ns in linux?.Namespaces ?? [])
        {
            try { NamespaceType.Flag(ns.Type); }
            catch (InvalidDataException e) { errors.Add(e.Message); continue; }
            if (!seen.Add(ns.Type)) errors.Add($"duplicate namespace type \"{ns.Type}\"");
            if (!NamespaceType.IsSupported(ns.Type)) errors.Add($"namespace \"{ns.Type}\" is not supported by this kernel");
            if (ns.Path is { Length: > 0 } p && !File.Exists(p)) errors.Add($"namespace path {p} for {ns.Type} does not exist");
        }
        bool Has(string t) => seen.Contains(t);
        bool IsNew(string t) => linux?.Namespaces?.Any(n => n.Type == t && string.IsNullOrEmpty(n.Path)) ?? false;
        if (IsNew("user") && (linux?.UidMappings is not { Count: > 0 } || linux.GidMappings is not { Count: > 0 }))
            errors.Add("a new user namespace needs linux.uidMappings and linux.gidMappings");
        if (!Has("user") && (linux?.UidMappings is { Count: > 0 } || linux?.GidMappings is { Count: > 0 }))
            errors.Add("linux.uidMappings/gidMappings are set but there is no user namespace");
        if (rootless && !Has("user")) errors.Add("rootless containers require a user namespace");
        if (!string.IsNullOrEmpty(spec.Hostname) && !Has("uts")) errors.Add("unable to set hostname without a private UTS namespace");
        if (!string.IsNullOrEmpty(spec.Domainname) && !Has("uts")) errors.Add("unable to set domainname without a private UTS namespace");
        if (linux?.TimeOffsets is { Count: > 0 } offsets)
        {
            if (!IsNew("time")) errors.Add("linux.timeOffsets need a new time namespace");
            foreach (var k in offsets.Keys)
                if (k is not ("monotonic" or "boottime")) errors.Add($"linux.timeOffsets clock \"{k}\" is not monotonic or boottime");
        }
        if ((linux?.MaskedPaths is { Count: > 0 } || linux?.ReadonlyPaths is { Count: > 0 }) && !Has("mount"))
            errors.Add("unable to restrict paths (maskedPaths/readonlyPaths) without a private mount namespace");
        if (linux?.Sysctl is { Count: > 0 } sysctls)
        {
            var netns = linux.Namespaces?.FirstOrDefault(n => n.Type == "network");
            var policy = new SysctlPolicy.Namespaces(
                PrivateIpc: IsNew("ipc"),
                PrivateNetwork: netns is not null && (string.IsNullOrEmpty(netns.Path) || !SysctlPolicy.IsHostNamespace(netns.Path, "net")),
                PrivateUts: IsNew("uts"));
            foreach (var key in sysctls.Keys)
                if (SysctlPolicy.Check(key, policy) is { } why) errors.Add(why);
        }
        foreach (var m in spec.Mounts ?? [])
            if (!m.Destination.StartsWith('/')) errors.Add($"mount destination \"{m.Destination}\" is not absolute");
        foreach (var d in linux?.Devices ?? [])
        {
            if (d.Type is not ("c" or "b" or "u" or "p")) errors.Add($"device {d.Path}: type \"{d.Type}\" is not one of c, b, u, p");
            if (!d.Path.StartsWith("/dev/", StringComparison.Ordinal)) errors.Add($"device path \"{d.Path}\" is not under /dev");
        }
        if (linux?.RootfsPropagation is { Length: > 0 } rp)
        {
            try { RootfsSetup.PropagationFlag(rp); }
            catch (InvalidDataException e) { errors.Add(e.Message); }
        }
        if (linux?.CgroupsPath is { } cp && cp.Contains(':') && !cp.StartsWith('/'))
            errors.Add($"cgroupsPath \"{cp}\" is a systemd cgroup path; only the cgroupfs driver is supported");
        if (linux?.MountLabel is { Length: > 0 } && !SelinuxEnabled())
            warn?.Invoke("linux.mountLabel is set but SELinux is not enabled on this system: ignored");
        if (errors.Count > 0) throw new InvalidSpecException(errors);
    }

    private static void ValidateProcess(Oci.Runtime.Process p, List<string> errors, Action<string>? warn)
    {
        if (p.Args is not { Count: > 0 } && string.IsNullOrEmpty(p.CommandLine)) errors.Add("process.args must not be empty");
        if (!string.IsNullOrEmpty(p.Cwd) && !p.Cwd.StartsWith('/')) errors.Add($"process.cwd \"{p.Cwd}\" is not an absolute path");
        foreach (var set in new[] { p.Capabilities?.Bounding, p.Capabilities?.Effective, p.Capabilities?.Permitted, p.Capabilities?.Inheritable, p.Capabilities?.Ambient })
            foreach (var c in set ?? [])
                if (Array.IndexOf(Security.Capabilities.Names, c.ToUpperInvariant()) < 0) errors.Add($"unknown capability \"{c}\"");
        var rl = new HashSet<string>();
        foreach (var r in p.Rlimits ?? [])
        {
            if (Array.IndexOf(Rlimits.Names, r.Type) < 0) errors.Add($"rlimit type \"{r.Type}\" is not known");
            else if (!rl.Add(r.Type)) errors.Add($"duplicate rlimit \"{r.Type}\"");
            if (r.Soft > r.Hard) errors.Add($"rlimit {r.Type}: soft limit {r.Soft} is above hard limit {r.Hard}");
        }
        if (p.Terminal && p.ConsoleSize is { Height: 0 } or { Width: 0 }) { /* zero means unset: allowed */ }
        if (!string.IsNullOrEmpty(p.SelinuxLabel) && !SelinuxEnabled())
            warn?.Invoke("process.selinuxLabel is set but SELinux is not enabled on this system: ignored");
        // runc: ids are int32 in the kernel's eyes; 4294967295 is (uid_t)-1, "no change", so uid 0 would stay.
        if (p.User.Uid > int.MaxValue) errors.Add($"process.user.uid {p.User.Uid} is out of range (0-{int.MaxValue})");
        if (p.User.Gid > int.MaxValue) errors.Add($"process.user.gid {p.User.Gid} is out of range (0-{int.MaxValue})");
        foreach (var g in p.User.AdditionalGids ?? [])
            if (g > int.MaxValue) errors.Add($"process.user.additionalGids: {g} is out of range (0-{int.MaxValue})");
        if (p.User.AdditionalGids is { Count: > MaxGroups } ag)
            errors.Add($"process.user.additionalGids has {ag.Count} groups, more than the kernel's limit of {MaxGroups}");
        if (!string.IsNullOrEmpty(p.ApparmorProfile) && !AppArmorEnabled())
            errors.Add($"apparmor profile \"{p.ApparmorProfile}\" is specified in config, but AppArmor is not enabled on this system");
        if (p.Scheduler is { } s)
        {
            try { ProcessAttributes.PolicyNumber(s.Policy); ProcessAttributes.FlagBits(s.Flags); }
            catch (InvalidDataException e) { errors.Add(e.Message); }
        }
        if (p.IoPriority is { } io && Array.IndexOf(ProcessAttributes.IoClasses, io.Class) < 0)
            errors.Add($"ioPriority class \"{io.Class}\" is not known");
        if (p.OomScoreAdj is < -1000 or > 1000) errors.Add($"oomScoreAdj {p.OomScoreAdj} is not between -1000 and 1000");
    }

    /// <summary>NGROUPS_MAX of the kernel.</summary>
    public const int MaxGroups = 65536;

    public static bool SelinuxEnabled() => File.Exists("/sys/fs/selinux/enforce");

    public static bool AppArmorEnabled()
    {
        try { return File.ReadAllText("/sys/module/apparmor/parameters/enabled").Trim() == "Y"; }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }
}

public sealed class InvalidSpecException(IReadOnlyList<string> errors)
    : RuntimeException("invalid configuration: " + string.Join("; ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
