using System.Text.Json.Serialization;
using Quai.Oci.Runtime;

namespace Quai.Runtime.Launch;

/// <summary>What the parent `quai-runtime` sends the container's init over the init socket once
/// the init is inside its namespaces: the validated config and what the init cannot work out.</summary>
public sealed class InitConfig
{
    public Spec Spec { get; set; } = new();
    public string ContainerId { get; set; } = "";
    public string Bundle { get; set; } = "";
    public string RootfsPath { get; set; } = "";
    /// <summary>Host pid of the init, for the state given to hooks.</summary>
    public int HostPid { get; set; }
    public bool IsExec { get; set; }
    public bool NoPivot { get; set; }
    public bool InUserNamespace { get; set; }
    public bool NewMountNamespace { get; set; }
    public bool NewUtsNamespace { get; set; }
    public bool NewCgroupNamespace { get; set; }
    public bool Rootless { get; set; }
    /// <summary>fd of the exec fifo (read end, non-blocking) the init waits on for `start`; -1 for exec.</summary>
    public int FifoFd { get; set; } = -1;
    /// <summary>fd of a connected unix socket to send the pty master on; -1 when none.</summary>
    public int ConsoleSocketFd { get; set; } = -1;
    public int PreserveFds { get; set; }
    public string CgroupMode { get; set; } = "v1";
    public Dictionary<string, string> CgroupPaths { get; set; } = [];
    /// <summary>v1 hierarchies to show in the container: (directory name, mount options, host dir).</summary>
    public List<CgroupV1Mount> CgroupV1Mounts { get; set; } = [];
    /// <summary>Whether the parent must be asked to run prestart/createRuntime hooks.</summary>
    public bool ParentHooks { get; set; }
    /// <summary>The seccomp program, compiled by the parent (instructions as code,jt,jf,k).</summary>
    public ulong[]? SeccompProgram { get; set; }
    public uint SeccompFlags { get; set; }
    /// <summary>fd to send a seccomp notify listener on; -1 when none.</summary>
    public int SeccompListenerFd { get; set; } = -1;
    public int LastCap { get; set; }
}

public sealed record CgroupV1Mount(string Name, string Options, string HostDir)
{
    public void Deconstruct(out string name, out string options, out string hostDir)
    {
        name = Name;
        options = Options;
        hostDir = HostDir;
    }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(InitConfig))]
internal sealed partial class LaunchJsonContext : JsonSerializerContext;
