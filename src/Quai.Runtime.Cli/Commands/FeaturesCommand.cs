using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Quai.Oci.Runtime;
using Quai.Runtime.Rootfs;
using Quai.Runtime.Seccomp;

namespace Quai.Runtime.Cli.Commands;

/// <summary>`features`: what this runtime supports, in the runtime-spec features.md format.</summary>
public static class FeaturesCommand
{
    public static Command Build()
    {
        var cmd = new Command("features", "show the enabled features");
        cmd.SetAction(p => Globals.Run(p, () =>
        {
            var f = new Features
            {
                OciVersionMin = "1.0.0",
                OciVersionMax = SpecVersion.Current,
                Hooks = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"],
                MountOptions = MountOptions.KnownOptions.ToList(),
                Linux = new LinuxFeatures
                {
                    Namespaces = ["cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"],
                    Capabilities = Security.Capabilities.Names.Take(Security.Capabilities.LastCap + 1).ToList(),
                    Cgroup = new CgroupFeatures { V1 = true, V2 = true, Systemd = false, SystemdUser = false, Rdma = false },
                    Seccomp = new SeccompFeatureSet
                    {
                        Enabled = true, Actions = [.. SeccompFeatures.Actions], Operators = [.. SeccompFeatures.Operators],
                        Archs = [.. SeccompFeatures.Architectures], KnownFlags = [.. SeccompFeatures.Flags], SupportedFlags = [.. SeccompFeatures.Flags],
                    },
                    Apparmor = new Enabled { Value = Validation.SpecValidator.AppArmorEnabled() },
                    Selinux = new Enabled { Value = false },
                    IntelRdt = new Enabled { Value = false },
                    MountExtensions = new MountExtensions { Idmap = new Enabled { Value = false } },
                },
                Annotations = new Dictionary<string, string> { ["org.opencontainers.runc.checkpoint.enabled"] = "false" },
            };
            Console.Out.WriteLine(JsonSerializer.Serialize(f, IndentedJsonContext.Default.Features));
            return 0;
        }));
        return cmd;
    }
}

public sealed class Features
{
    [JsonPropertyName("ociVersionMin")] public string OciVersionMin { get; set; } = "";
    [JsonPropertyName("ociVersionMax")] public string OciVersionMax { get; set; } = "";
    [JsonPropertyName("hooks")] public List<string> Hooks { get; set; } = [];
    [JsonPropertyName("mountOptions")] public List<string> MountOptions { get; set; } = [];
    [JsonPropertyName("linux")] public LinuxFeatures Linux { get; set; } = new();
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; set; }
}

public sealed class LinuxFeatures
{
    [JsonPropertyName("namespaces")] public List<string> Namespaces { get; set; } = [];
    [JsonPropertyName("capabilities")] public List<string> Capabilities { get; set; } = [];
    [JsonPropertyName("cgroup")] public CgroupFeatures Cgroup { get; set; } = new();
    [JsonPropertyName("seccomp")] public SeccompFeatureSet Seccomp { get; set; } = new();
    [JsonPropertyName("apparmor")] public Enabled Apparmor { get; set; } = new();
    [JsonPropertyName("selinux")] public Enabled Selinux { get; set; } = new();
    [JsonPropertyName("intelRdt")] public Enabled IntelRdt { get; set; } = new();
    [JsonPropertyName("mountExtensions")] public MountExtensions MountExtensions { get; set; } = new();
}

public sealed class CgroupFeatures
{
    [JsonPropertyName("v1")] public bool V1 { get; set; }
    [JsonPropertyName("v2")] public bool V2 { get; set; }
    [JsonPropertyName("systemd")] public bool Systemd { get; set; }
    [JsonPropertyName("systemdUser")] public bool SystemdUser { get; set; }
    [JsonPropertyName("rdma")] public bool Rdma { get; set; }
}

public sealed class SeccompFeatureSet
{
    [JsonPropertyName("enabled")] public bool Enabled { get; set; }
    [JsonPropertyName("actions")] public List<string> Actions { get; set; } = [];
    [JsonPropertyName("operators")] public List<string> Operators { get; set; } = [];
    [JsonPropertyName("archs")] public List<string> Archs { get; set; } = [];
    [JsonPropertyName("knownFlags")] public List<string> KnownFlags { get; set; } = [];
    [JsonPropertyName("supportedFlags")] public List<string> SupportedFlags { get; set; } = [];
}

public sealed class Enabled
{
    [JsonPropertyName("enabled")] public bool Value { get; set; }
}

public sealed class MountExtensions
{
    [JsonPropertyName("idmap")] public Enabled Idmap { get; set; } = new();
}
