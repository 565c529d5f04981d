using System.Text.Json.Serialization;
using Quai.Oci.Image;
using RootfsMount = Quai.Engine.RootfsMount;

namespace Quai.Engine.Containers;

/// <summary>A container as the engine stores it (&lt;root&gt;/containers/&lt;id&gt;/container.json) and as
/// <c>inspect</c> shows it: Docker's field names. Engine-private bookkeeping lives under <see cref="Quai"/>.</summary>
public sealed class Container
{
    public string Id { get; set; } = "";
    public string Created { get; set; } = "";
    public string Path { get; set; } = "";
    public List<string> Args { get; set; } = [];
    public ContainerState State { get; set; } = new();
    public string Image { get; set; } = "";
    public string ResolvConfPath { get; set; } = "";
    public string HostnamePath { get; set; } = "";
    public string HostsPath { get; set; } = "";
    public string LogPath { get; set; } = "";
    public string Name { get; set; } = "";
    public int RestartCount { get; set; }
    public string Driver { get; set; } = "overlay2";
    public string Platform { get; set; } = "linux";
    public List<MountPoint> Mounts { get; set; } = [];
    public RunConfig Config { get; set; } = new();
    public HostConfig HostConfig { get; set; } = new();
    public EngineData Quai { get; set; } = new();

    [JsonIgnore] public string ShortId => Id[..12];
    [JsonIgnore] public string PlainName => Name.TrimStart('/');
}

public sealed class ContainerState
{
    public string Status { get; set; } = "created";
    public bool Running { get; set; }
    public bool Paused { get; set; }
    public bool Restarting { get; set; }
    public bool OOMKilled { get; set; }
    public bool Dead { get; set; }
    public int Pid { get; set; }
    public int ExitCode { get; set; }
    public string Error { get; set; } = "";
    public string StartedAt { get; set; } = Times.Zero;
    public string FinishedAt { get; set; } = Times.Zero;
    public HealthState? Health { get; set; }
}

public sealed class HealthState
{
    public string Status { get; set; } = "starting";
    public int FailingStreak { get; set; }
    public List<HealthLogEntry> Log { get; set; } = [];
}

public sealed class HealthLogEntry
{
    public string Start { get; set; } = "";
    public string End { get; set; } = "";
    public int ExitCode { get; set; }
    public string Output { get; set; } = "";
}

/// <summary>Docker's Config: the image config merged with the run options.</summary>
public sealed class RunConfig
{
    public string Hostname { get; set; } = "";
    public string Domainname { get; set; } = "";
    public string User { get; set; } = "";
    public bool AttachStdin { get; set; }
    public bool AttachStdout { get; set; }
    public bool AttachStderr { get; set; }
    public bool Tty { get; set; }
    public bool OpenStdin { get; set; }
    public bool StdinOnce { get; set; }
    public List<string> Env { get; set; } = [];
    public List<string>? Cmd { get; set; }
    public HealthConfig? Healthcheck { get; set; }
    public string Image { get; set; } = "";
    public Dictionary<string, EmptyObject>? Volumes { get; set; }
    public string WorkingDir { get; set; } = "";
    public List<string>? Entrypoint { get; set; }
    public Dictionary<string, string> Labels { get; set; } = [];
    public string? StopSignal { get; set; }
    public int? StopTimeout { get; set; }
    /// <summary>The image's EXPOSE and --expose ("80/tcp"), what -P publishes.</summary>
    public Dictionary<string, EmptyObject>? ExposedPorts { get; set; }
}

public sealed class RestartPolicy
{
    public string Name { get; set; } = "no";
    public int MaximumRetryCount { get; set; }
}

public sealed class LogConfig
{
    public string Type { get; set; } = "json-file";
    public Dictionary<string, string> Config { get; set; } = [];
}

public sealed class Ulimit
{
    public string Name { get; set; } = "";
    public long Soft { get; set; }
    public long Hard { get; set; }
}

public sealed class DeviceMapping
{
    public string PathOnHost { get; set; } = "";
    public string PathInContainer { get; set; } = "";
    public string CgroupPermissions { get; set; } = "rwm";
}

public sealed class MountSpec
{
    public string Type { get; set; } = "volume";
    public string Source { get; set; } = "";
    public string Target { get; set; } = "";
    public bool ReadOnly { get; set; }
    public long? TmpfsSize { get; set; }
}

public sealed class HostConfig
{
    public List<string>? Binds { get; set; }
    public string NetworkMode { get; set; } = "none";
    public RestartPolicy RestartPolicy { get; set; } = new();
    public bool AutoRemove { get; set; }
    public LogConfig LogConfig { get; set; } = new();
    public List<string>? CapAdd { get; set; }
    public List<string>? CapDrop { get; set; }
    public bool Privileged { get; set; }
    public bool ReadonlyRootfs { get; set; }
    public List<string>? SecurityOpt { get; set; }
    public Dictionary<string, string>? Tmpfs { get; set; }
    public Dictionary<string, string>? Sysctls { get; set; }
    public List<Ulimit>? Ulimits { get; set; }
    public List<DeviceMapping>? Devices { get; set; }
    public int OomScoreAdj { get; set; }
    public long Memory { get; set; }
    public long MemorySwap { get; set; }
    public long NanoCpus { get; set; }
    public long CpuShares { get; set; }
    public long? PidsLimit { get; set; }
    public string CpusetCpus { get; set; } = "";
    public string CpusetMems { get; set; } = "";
    /// <summary>--init: Docker's small init (tini) runs as PID 1, reaping zombies and forwarding signals.</summary>
    public bool? Init { get; set; }
    public long ShmSize { get; set; } = 64 * 1024 * 1024;
    public List<MountSpec>? Mounts { get; set; }
    public List<string>? VolumesFrom { get; set; }
    /// <summary>--add-host entries, "host:ip": appended to the container's /etc/hosts as "ip\thost".</summary>
    public List<string>? ExtraHosts { get; set; }
    /// <summary>--group-add: more groups (names looked up in the image's /etc/group, or numbers).</summary>
    public List<string>? GroupAdd { get; set; }
    /// <summary>--pid: "" (own namespace), "host", "container:ID".</summary>
    public string PidMode { get; set; } = "";
    /// <summary>--ipc: "private" (Docker's default), "shareable", "none", "host", "container:ID".</summary>
    public string IpcMode { get; set; } = "private";
    /// <summary>--uts: "" or "host".</summary>
    [JsonPropertyName("UTSMode")] public string UtsMode { get; set; } = "";
    public string UsernsMode { get; set; } = "";
    /// <summary>The terminal size of a -t container at create, [rows, columns] (Docker's HostConfig.ConsoleSize).</summary>
    public List<int>? ConsoleSize { get; set; }
    /// <summary>--cgroupns: "private" or "host" (Docker's default: private on cgroup v2, host on v1).</summary>
    public string CgroupnsMode { get; set; } = "";
    public bool? OomKillDisable { get; set; }
    public long MemoryReservation { get; set; }
    public long CpuPeriod { get; set; }
    public long CpuQuota { get; set; }
    public ushort BlkioWeight { get; set; }
    public List<ThrottleSpec>? BlkioDeviceReadBps { get; set; }
    public List<ThrottleSpec>? BlkioDeviceWriteBps { get; set; }
    [JsonPropertyName("BlkioDeviceReadIOps")] public List<ThrottleSpec>? BlkioDeviceReadIops { get; set; }
    [JsonPropertyName("BlkioDeviceWriteIOps")] public List<ThrottleSpec>? BlkioDeviceWriteIops { get; set; }
    /// <summary>-p: "80/tcp" -> host bindings (HostPort "" picks one, "8000-8010" any of the range), Docker's shape.</summary>
    public Dictionary<string, List<PortBinding>>? PortBindings { get; set; }
    /// <summary>-P: every exposed port gets a host port.</summary>
    public bool PublishAllPorts { get; set; }
    /// <summary>--dns servers: they replace the host's nameservers (see <see cref="Specs.NetworkFiles"/>).</summary>
    public List<string>? Dns { get; set; }
    /// <summary>--dns-search domains: they replace the host's search line.</summary>
    public List<string>? DnsSearch { get; set; }
    /// <summary>--dns-option options: they replace the host's options line.</summary>
    public List<string>? DnsOptions { get; set; }
}

/// <summary>--device-read-bps and friends: a block device and its rate (bytes or operations per second).</summary>
public sealed class ThrottleSpec
{
    public string Path { get; set; } = "";
    public ulong Rate { get; set; }
}

public sealed class PortBinding
{
    public string HostIp { get; set; } = "";
    public string HostPort { get; set; } = "";
}

/// <summary>A network the container joins when it starts (run --network, network connect), with what it asked of
/// it; the live endpoint (addresses, interfaces) is in the network store while the container runs.</summary>
public sealed class NetworkAttachment
{
    public string NetworkId { get; set; } = "";
    public string Name { get; set; } = "";
    public string? IPv4Address { get; set; }
    public string? IPv6Address { get; set; }
    public string? MacAddress { get; set; }
    public List<string> Aliases { get; set; } = [];
}

/// <summary>A mount as inspect shows it (volumes, binds, tmpfs).</summary>
public sealed class MountPoint
{
    public string Type { get; set; } = "";
    public string? Name { get; set; }
    public string Source { get; set; } = "";
    public string Destination { get; set; } = "";
    public string? Driver { get; set; }
    public string Mode { get; set; } = "";
    public bool RW { get; set; } = true;
    public string Propagation { get; set; } = "";
    /// <summary>Anonymous volume, removed by rm -v and --rm.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public bool Anonymous { get; set; }
    /// <summary>-v NAME:/dst:nocopy or --mount volume-nocopy: an empty volume is not filled from the image at start.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool NoCopy { get; set; }
}

/// <summary>What only the engine needs: the monitor that owns the container, and why it stopped.</summary>
public sealed class EngineData
{
    public int MonitorPid { get; set; }
    public ulong MonitorStartTime { get; set; }
    /// <summary>Set by stop/kill of the user: the restart policy does not undo it (unless-stopped stays down).</summary>
    public bool StopRequested { get; set; }
    public string ImageRef { get; set; } = "";
    public List<RootfsMount> RootfsMounts { get; set; } = [];
    /// <summary>The networks joined at each start, the first one giving the default route and the published ports.</summary>
    public List<NetworkAttachment> Networks { get; set; } = [];
}

public static class Times
{
    public const string Zero = "0001-01-01T00:00:00Z";
    public static string Format(DateTime t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
    public static string Now() => Format(DateTime.UtcNow);
    public static DateTime? Parse(string? s) =>
        string.IsNullOrEmpty(s) || s == Zero ? null
        : DateTime.Parse(s, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);
}

[JsonSourceGenerationOptions(WriteIndented = true, IndentSize = 4)]
[JsonSerializable(typeof(Container))]
[JsonSerializable(typeof(List<Container>))]
[JsonSerializable(typeof(Volumes.Volume))]
[JsonSerializable(typeof(List<Volumes.Volume>))]
[JsonSerializable(typeof(RunConfig))]
[JsonSerializable(typeof(HostConfig))]
public sealed partial class EngineJsonContext : JsonSerializerContext;

/// <summary>Log lines: one compact JSON object per line.</summary>
[JsonSerializable(typeof(Logs.LogEntry))]
public sealed partial class LogJsonContext : JsonSerializerContext;
