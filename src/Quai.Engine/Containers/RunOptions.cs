using Quai.Oci.Image;

namespace Quai.Engine.Containers;

/// <summary>What `create`/`run` ask for (already parsed from flags).</summary>
public sealed class RunOptions
{
    public string Image { get; set; } = "";
    /// <summary>--platform (os/arch[/variant]): the image must match it.</summary>
    public string? Platform { get; set; }
    public string? Name { get; set; }
    public List<string> Cmd { get; set; } = [];
    /// <summary>--entrypoint (null: the image's; "": none).</summary>
    public string? Entrypoint { get; set; }
    public List<string> Env { get; set; } = [];
    public List<string> EnvFiles { get; set; } = [];
    public string? User { get; set; }
    public string? WorkingDir { get; set; }
    public string? Hostname { get; set; }
    public bool Tty { get; set; }
    public bool Interactive { get; set; }
    public bool Detach { get; set; }
    public Dictionary<string, string> Labels { get; set; } = [];
    /// <summary>-v src:dst[:opts] and -v /anon</summary>
    public List<string> Volumes { get; set; } = [];
    /// <summary>--mount type=…,source=…,target=…</summary>
    public List<string> Mounts { get; set; } = [];
    /// <summary>--volumes-from CONTAINER[:ro|:rw]: that container's volumes and binds.</summary>
    public List<string> VolumesFrom { get; set; } = [];
    /// <summary>--tmpfs /path[:opts]</summary>
    public List<string> Tmpfs { get; set; } = [];
    /// <summary>Mounts already resolved by the caller (the builder's: bind sources it made itself, tmpfs with
    /// their options), added as they are after the others; a bind source must exist.</summary>
    public List<MountPoint> ResolvedMounts { get; set; } = [];
    public string? StopSignal { get; set; }
    public int? StopTimeout { get; set; }
    public HealthConfig? Healthcheck { get; set; }
    public bool NoHealthcheck { get; set; }
    public HostConfig HostConfig { get; set; } = new();
    /// <summary>The image's VOLUMEs get no anonymous volume (a build step writes them into its layer, as BuildKit does).</summary>
    public bool NoImageVolumes { get; set; }
    /// <summary>--network: none, host, bridge (default), container:NAME or a network's name/id; null: none,
    /// or bridge when ports are published.</summary>
    public string? Network { get; set; }
    /// <summary>-p specs ([ip:][host[-end]:]container[-end][/proto]).</summary>
    public List<string> Publish { get; set; } = [];
    /// <summary>-P: publish every exposed port.</summary>
    public bool PublishAll { get; set; }
    /// <summary>--expose PORT[/PROTO] or ranges.</summary>
    public List<string> Expose { get; set; } = [];
    public string? IPv4Address { get; set; }
    public string? IPv6Address { get; set; }
    public string? MacAddress { get; set; }
    public List<string> NetworkAliases { get; set; } = [];
}
