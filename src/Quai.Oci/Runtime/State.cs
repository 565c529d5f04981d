using System.Text.Json.Serialization;

namespace Quai.Oci.Runtime;

/// <summary>The state a runtime reports for `state`: the spec's fields plus runc's
/// rootfs, created and owner, in runc's order.</summary>
public sealed class State
{
    [JsonPropertyName("ociVersion")] public string OciVersion { get; set; } = SpecVersion.Current;
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("pid")] public int Pid { get; set; }
    [JsonPropertyName("status")] public string Status { get; set; } = "";
    [JsonPropertyName("bundle")] public string Bundle { get; set; } = "";
    [JsonPropertyName("rootfs")] public string? Rootfs { get; set; }
    [JsonPropertyName("created")] public DateTime? Created { get; set; }
    [JsonPropertyName("owner")] public string? Owner { get; set; }
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; set; }
}

/// <summary>What the runtime sends to a seccomp notify listener (linux.seccomp.listenerPath)
/// together with the listener fd (runtime-spec config-linux.md, "containerProcessState").</summary>
public sealed class ContainerProcessState
{
    [JsonPropertyName("ociVersion")] public string OciVersion { get; set; } = SpecVersion.Current;
    [JsonPropertyName("fds")] public List<string> Fds { get; set; } = ["seccompFd"];
    [JsonPropertyName("pid")] public int Pid { get; set; }
    [JsonPropertyName("metadata")] public string? Metadata { get; set; }
    [JsonPropertyName("state")] public State State { get; set; } = new();
}

public static class SpecVersion
{
    public const string Current = "1.2.0";
}
