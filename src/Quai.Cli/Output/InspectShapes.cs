using Quai.Templates.Values;

namespace Quai.Cli.Output;

/// <summary>What the Go types behind Docker's inspect output look like to a template: which objects are maps, which
/// nulls are nil slices, struct type names (errors print them), <c>Id</c> as the Go field <c>ID</c>.</summary>
public static class InspectShapes
{
    public static readonly JsonShape Container = new()
    {
        Maps = ["Config.Labels", "Config.ExposedPorts", "Config.Volumes", "HostConfig.LogConfig.Config", "HostConfig.PortBindings",
            "HostConfig.Sysctls", "HostConfig.StorageOpt", "HostConfig.Tmpfs", "NetworkSettings.Ports", "NetworkSettings.Networks",
            "GraphDriver.Data", "NetworkSettings.Networks.*.DriverOpts"],
        StringMaps = ["Config.Labels", "HostConfig.LogConfig.Config", "HostConfig.Sysctls", "HostConfig.StorageOpt", "HostConfig.Tmpfs",
            "GraphDriver.Data", "NetworkSettings.Networks.*.DriverOpts"],
        Slices = ["Args", "Config.Env", "Config.Cmd", "Config.Entrypoint", "Config.OnBuild", "Config.Shell", "HostConfig.Binds",
            "HostConfig.Dns", "HostConfig.DnsOptions", "HostConfig.DnsSearch", "HostConfig.ExtraHosts", "HostConfig.CapAdd",
            "HostConfig.CapDrop", "HostConfig.SecurityOpt", "HostConfig.GroupAdd", "HostConfig.Links", "HostConfig.VolumesFrom",
            "HostConfig.Devices", "HostConfig.Ulimits", "HostConfig.MaskedPaths", "HostConfig.ReadonlyPaths", "Mounts", "ExecIDs",
            "NetworkSettings.Networks.*.Aliases", "NetworkSettings.Networks.*.DNSNames", "NetworkSettings.Networks.*.Links"],
        GoNames = new() { ["Id"] = "ID" },
        Types = new()
        {
            [""] = "container.InspectResponse", ["State"] = "*container.State", ["State.Health"] = "*container.Health",
            ["Config"] = "*container.Config", ["HostConfig"] = "*container.HostConfig", ["HostConfig.RestartPolicy"] = "container.RestartPolicy",
            ["HostConfig.LogConfig"] = "container.LogConfig", ["NetworkSettings"] = "*container.NetworkSettings", ["GraphDriver"] = "storage.DriverData",
            ["Config.Healthcheck"] = "*container.HealthConfig", ["Mounts[]"] = "container.MountPoint",
            ["NetworkSettings.Networks.*"] = "*network.EndpointSettings", ["SizeRw"] = "*int64", ["SizeRootFs"] = "*int64",
        },
    };

    public static readonly JsonShape Image = new()
    {
        Maps = ["Config.Labels", "Config.ExposedPorts", "Config.Volumes", "GraphDriver.Data"],
        StringMaps = ["Config.Labels", "GraphDriver.Data"],
        Slices = ["RepoTags", "RepoDigests", "Config.Env", "Config.Cmd", "Config.Entrypoint", "Config.OnBuild", "Config.Shell", "RootFS.Layers"],
        GoNames = new() { ["Id"] = "ID" },
        Types = new()
        {
            [""] = "image.InspectResponse", ["Config"] = "*container.Config", ["GraphDriver"] = "storage.DriverData",
            ["RootFS"] = "image.RootFS", ["Metadata"] = "image.Metadata", ["Descriptor"] = "*v1.Descriptor",
        },
    };

    public static readonly JsonShape Volume = new()
    {
        Maps = ["Labels", "Options", "Status"],
        StringMaps = ["Labels", "Options"],
        Types = new() { [""] = "volume.Volume", ["UsageData"] = "*volume.UsageData" },
    };
}
