using System.Text.Json.Serialization;
using Quai.Oci.Runtime;

namespace Quai.Runtime.Containers;

/// <summary>What the runtime remembers of a container between invocations
/// (&lt;root&gt;/&lt;id&gt;/state.json). The status is never stored: it is derived from the init
/// process, the exec fifo and the freezer each time (see <see cref="ContainerStore"/>).</summary>
public sealed class ContainerRecord
{
    public string Id { get; set; } = "";
    public int InitPid { get; set; }
    /// <summary>Start time of the init in clock ticks since boot (/proc/PID/stat field 22): tells
    /// the init from an unrelated process that reused its pid.</summary>
    public ulong InitStartTime { get; set; }
    public string Bundle { get; set; } = "";
    public string Rootfs { get; set; } = "";
    public DateTime Created { get; set; }
    public bool Rootless { get; set; }
    public bool HasPidNamespace { get; set; }
    public Dictionary<string, string> CgroupPaths { get; set; } = [];
    /// <summary>The cgroup already held other processes at create: it is not this container's to
    /// empty or remove (runc warns and leaves it).</summary>
    public bool CgroupShared { get; set; }
    /// <summary>"dev:inode" of the init's executable while it waits for `start`: once the user's
    /// program is exec'd it differs, so a left-over exec.fifo (a `start` killed after it released the
    /// init) does not make a running container look created.</summary>
    public string InitExe { get; set; } = "";
    public Spec Config { get; set; } = new();
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ContainerRecord))]
internal sealed partial class ContainerJsonContext : JsonSerializerContext;
