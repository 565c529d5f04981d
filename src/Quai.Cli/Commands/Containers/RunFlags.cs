using System.CommandLine;
using System.Globalization;
using Quai.Engine.Containers;
using Quai.Engine.Monitor;
using Quai.Engine.Specs;

namespace Quai.Cli.Commands.Containers;

/// <summary>The flags `create` and `run` share, and their translation into <see cref="RunOptions"/>.</summary>
public sealed class RunFlags
{
    private static Option<string[]> Many(string name, string desc, params string[] aliases) =>
        new(name, aliases) { Description = desc, AllowMultipleArgumentsPerToken = false };

    public Option<bool> Interactive { get; } = new("--interactive", "-i") { Description = "Keep STDIN open even if not attached" };
    public Option<bool> Tty { get; } = new("--tty", "-t") { Description = "Allocate a pseudo-TTY" };
    public Option<string?> Name { get; } = new("--name") { Description = "Assign a name to the container" };
    public Option<string[]> Env { get; } = Many("--env", "Set environment variables", "-e");
    public Option<string[]> EnvFile { get; } = Many("--env-file", "Read in a file of environment variables");
    public Option<string?> User { get; } = new("--user", "-u") { Description = "Username or UID (format: <name|uid>[:<group|gid>])" };
    public Option<string?> Workdir { get; } = new("--workdir", "-w") { Description = "Working directory inside the container" };
    public Option<string?> Entrypoint { get; } = new("--entrypoint") { Description = "Overwrite the default ENTRYPOINT of the image" };
    public Option<string?> Hostname { get; } = new("--hostname", "-h") { Description = "Container host name" };
    public Option<bool> Rm { get; } = new("--rm") { Description = "Automatically remove the container and its associated anonymous volumes when it exits" };
    public Option<string?> Restart { get; } = new("--restart") { Description = "Restart policy to apply when a container exits (default \"no\")" };
    public Option<string?> Memory { get; } = new("--memory", "-m") { Description = "Memory limit" };
    public Option<string?> MemorySwap { get; } = new("--memory-swap") { Description = "Swap limit equal to memory plus swap: '-1' to enable unlimited swap" };
    public Option<string?> Cpus { get; } = new("--cpus") { Description = "Number of CPUs" };
    public Option<long?> CpuShares { get; } = new("--cpu-shares", "-c") { Description = "CPU shares (relative weight)" };
    public Option<string?> CpusetCpus { get; } = new("--cpuset-cpus") { Description = "CPUs in which to allow execution (0-3, 0,1)" };
    public Option<string?> CpusetMems { get; } = new("--cpuset-mems") { Description = "MEMs in which to allow execution (0-3, 0,1)" };
    public Option<string?> Platform { get; } = new("--platform") { Description = "Set platform if server is multi-platform capable" };
    public Option<string[]> VolumesFrom { get; } = Many("--volumes-from", "Mount volumes from the specified container(s)");
    public Option<bool> Init { get; } = new("--init") { Description = "Run an init inside the container that forwards signals and reaps processes" };
    public Option<long?> PidsLimit { get; } = new("--pids-limit") { Description = "Tune container pids limit (set -1 for unlimited)" };
    public Option<string[]> CapAdd { get; } = Many("--cap-add", "Add Linux capabilities");
    public Option<string[]> CapDrop { get; } = Many("--cap-drop", "Drop Linux capabilities");
    public Option<bool> Privileged { get; } = new("--privileged") { Description = "Give extended privileges to this container" };
    public Option<bool> ReadOnly { get; } = new("--read-only") { Description = "Mount the container's root filesystem as read only" };
    public Option<string[]> Tmpfs { get; } = Many("--tmpfs", "Mount a tmpfs directory");
    public Option<string[]> SecurityOpt { get; } = Many("--security-opt", "Security Options");
    public Option<string[]> Ulimit { get; } = Many("--ulimit", "Ulimit options");
    public Option<string[]> Sysctl { get; } = Many("--sysctl", "Sysctl options");
    public Option<string[]> Device { get; } = Many("--device", "Add a host device to the container");
    public Option<int?> OomScoreAdj { get; } = new("--oom-score-adj") { Description = "Tune host's OOM preferences (-1000 to 1000)" };
    public Option<string?> Network { get; } = new("--network", "--net") { Description = "Connect a container to a network (bridge, host, none, container:NAME or a network's name)" };
    public Option<string[]> Publish { get; } = Many("--publish", "Publish a container's port(s) to the host", "-p");
    public Option<bool> PublishAll { get; } = new("--publish-all", "-P") { Description = "Publish all exposed ports to random ports" };
    public Option<string[]> Expose { get; } = Many("--expose", "Expose a port or a range of ports");
    public Option<string?> Ip { get; } = new("--ip") { Description = "IPv4 address (e.g., 172.30.100.104)" };
    public Option<string?> Ip6 { get; } = new("--ip6") { Description = "IPv6 address (e.g., 2001:db8::33)" };
    public Option<string[]> NetworkAlias { get; } = Many("--network-alias", "Add network-scoped alias for the container", "--net-alias");
    public Option<string?> MacAddress { get; } = new("--mac-address") { Description = "Container MAC address (e.g., 92:d0:c6:0a:29:33)" };
    public Option<string[]> Volume { get; } = Many("--volume", "Bind mount a volume", "-v");
    public Option<string[]> Mount { get; } = Many("--mount", "Attach a filesystem mount to the container");
    public Option<string[]> Label { get; } = Many("--label", "Set meta data on a container", "-l");
    public Option<string?> HealthCmd { get; } = new("--health-cmd") { Description = "Command to run to check health" };
    public Option<string?> HealthInterval { get; } = new("--health-interval") { Description = "Time between running the check (ms|s|m|h)" };
    public Option<string?> HealthTimeout { get; } = new("--health-timeout") { Description = "Maximum time to allow one check to run (ms|s|m|h)" };
    public Option<string?> HealthStartPeriod { get; } = new("--health-start-period") { Description = "Start period for the container to initialize" };
    public Option<int?> HealthRetries { get; } = new("--health-retries") { Description = "Consecutive failures needed to report unhealthy" };
    public Option<bool> NoHealthcheck { get; } = new("--no-healthcheck") { Description = "Disable any container-specified HEALTHCHECK" };
    public Option<string?> StopSignal { get; } = new("--stop-signal") { Description = "Signal to stop the container" };
    public Option<int?> StopTimeout { get; } = new("--stop-timeout") { Description = "Timeout (in seconds) to stop a container" };
    public Option<string?> LogDriver { get; } = new("--log-driver") { Description = "Logging driver for the container (json-file)" };
    public Option<string[]> LogOpt { get; } = Many("--log-opt", "Log driver options (max-size, max-file)");
    public Option<string?> ShmSize { get; } = new("--shm-size") { Description = "Size of /dev/shm" };
    public Option<string[]> GroupAdd { get; } = Many("--group-add", "Add additional groups to join");
    public Option<string[]> LabelFile { get; } = Many("--label-file", "Read in a line delimited file of labels");
    public Option<string?> Pid { get; } = new("--pid") { Description = "PID namespace to use" };
    public Option<string?> Ipc { get; } = new("--ipc") { Description = "IPC mode to use" };
    public Option<string?> Uts { get; } = new("--uts") { Description = "UTS namespace to use" };
    public Option<string?> Userns { get; } = new("--userns") { Description = "User namespace to use" };
    public Option<string?> Cgroupns { get; } = new("--cgroupns") { Description = "Cgroup namespace to use (host|private)" };
    public Option<bool> OomKillDisable { get; } = new("--oom-kill-disable") { Description = "Disable OOM Killer" };
    public Option<string?> MemoryReservation { get; } = new("--memory-reservation") { Description = "Memory soft limit" };
    public Option<long?> CpuPeriod { get; } = new("--cpu-period") { Description = "Limit CPU CFS (Completely Fair Scheduler) period" };
    public Option<long?> CpuQuota { get; } = new("--cpu-quota") { Description = "Limit CPU CFS (Completely Fair Scheduler) quota" };
    public Option<ushort?> BlkioWeight { get; } = new("--blkio-weight") { Description = "Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)" };
    public Option<string[]> DeviceReadBps { get; } = Many("--device-read-bps", "Limit read rate (bytes per second) from a device");
    public Option<string[]> DeviceWriteBps { get; } = Many("--device-write-bps", "Limit write rate (bytes per second) to a device");
    public Option<string[]> DeviceReadIops { get; } = Many("--device-read-iops", "Limit read rate (IO per second) from a device");
    public Option<string[]> DeviceWriteIops { get; } = Many("--device-write-iops", "Limit write rate (IO per second) to a device");
    public Option<string?> Gpus { get; } = new("--gpus") { Description = "GPU devices to add to the container ('all' to pass all GPUs)" };
    public Option<string[]> AddHost { get; } = Many("--add-host", "Add a custom host-to-IP mapping (host:ip)");
    public Option<string[]> Dns { get; } = Many("--dns", "Set custom DNS servers");
    public Option<string[]> DnsSearch { get; } = Many("--dns-search", "Set custom DNS search domains");
    public Option<string[]> DnsOption { get; } = Many("--dns-option", "Set DNS options", "--dns-opt");

    public void AddTo(Command cmd)
    {
        foreach (var o in new Option[]
                 {
                     Interactive, Tty, Name, Env, EnvFile, User, Workdir, Entrypoint, Hostname, Rm, Restart, Memory, MemorySwap, Cpus, CpuShares,
                     PidsLimit, CapAdd, CapDrop, Privileged, ReadOnly, Tmpfs, SecurityOpt, Ulimit, Sysctl, Device, OomScoreAdj, Network,
                     Volume, Mount, Label, HealthCmd, HealthInterval, HealthTimeout, HealthStartPeriod, HealthRetries, NoHealthcheck,
                     StopSignal, StopTimeout, LogDriver, LogOpt, ShmSize, CpusetCpus, CpusetMems, Init, Platform, VolumesFrom,
                     GroupAdd, LabelFile, Pid, Ipc, Uts, Userns, Cgroupns, OomKillDisable, MemoryReservation, CpuPeriod, CpuQuota,
                     BlkioWeight, DeviceReadBps, DeviceWriteBps, DeviceReadIops, DeviceWriteIops, Gpus,
                     Publish, PublishAll, Expose, Ip, Ip6, NetworkAlias, MacAddress,
                 })
            cmd.Add(o);
        foreach (var o in new Option[] { AddHost, Dns, DnsSearch, DnsOption }) cmd.Add(o);
    }

    /// <summary>--label-file: one label per line, blank lines and # comments skipped (Docker's opts.ReadKVStrings).</summary>
    private static IEnumerable<string> LabelFileLines(string path)
    {
        string[] lines;
        try { lines = File.ReadAllLines(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        { throw new EngineUsageException($"open {path}: no such file or directory"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new EngineUsageException($"open {path}: {e.Message}"); }
        return lines.Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] != '#').ToList();
    }

    /// <summary>--device-read-bps /dev/sda:1mb, --device-read-iops /dev/sda:1000.</summary>
    private static List<ThrottleSpec>? Throttles(string[]? values, string flag, bool bytes)
    {
        if (values is not { Length: > 0 }) return null;
        var list = new List<ThrottleSpec>();
        foreach (var v in values)
        {
            var colon = v.LastIndexOf(':');
            if (colon <= 0 || !v.StartsWith("/dev/", StringComparison.Ordinal))
                throw new EngineUsageException($"invalid argument \"{v}\" for \"{flag}\" flag: bad format: {v}");
            var rateText = v[(colon + 1)..];
            ulong rate;
            if (bytes)
            {
                try { rate = (ulong)Units.RamInBytes(rateText); }
                catch (EngineUsageException) { throw new EngineUsageException($"invalid argument \"{v}\" for \"{flag}\" flag: invalid rate for device: {v}. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb"); }
            }
            else if (!ulong.TryParse(rateText, out rate))
                throw new EngineUsageException($"invalid argument \"{v}\" for \"{flag}\" flag: invalid rate for device: {v}. The correct format is <device-path>:<number>. Number must be a positive integer");
            list.Add(new ThrottleSpec { Path = v[..colon], Rate = rate });
        }
        return list;
    }

    private static long Nanos(string? s) => s is null ? 0 : Units.ParseDuration(s).Ticks * 100;

    public RunOptions Read(ParseResult p, string image, string[] command, bool detach)
    {
        var hc = new HostConfig
        {
            AutoRemove = p.GetValue(Rm), CapAdd = List(p.GetValue(CapAdd)), CapDrop = List(p.GetValue(CapDrop)),
            Privileged = p.GetValue(Privileged), ReadonlyRootfs = p.GetValue(ReadOnly), SecurityOpt = List(p.GetValue(SecurityOpt)),
            OomScoreAdj = p.GetValue(OomScoreAdj) ?? 0,
        };
        if (hc.OomScoreAdj is < -1000 or > 1000) throw new EngineUsageException($"Invalid value {hc.OomScoreAdj}, range for oom score adj is [-1000, 1000]");
        if (p.GetValue(Restart) is { } r) { var (n, max) = RestartManager.Parse(r); hc.RestartPolicy = new RestartPolicy { Name = n, MaximumRetryCount = max }; }
        if (p.GetValue(Memory) is { } m)
        {
            try { hc.Memory = Units.RamInBytes(m); }
            catch (EngineUsageException e) { throw new EngineUsageException($"invalid argument \"{m}\" for \"-m, --memory\" flag: {e.Message}"); }
            if (hc.Memory is > 0 and < 6 * 1024 * 1024) throw new EngineUsageException("Minimum memory limit allowed is 6MB");
        }
        if (p.GetValue(MemorySwap) is { } ms) hc.MemorySwap = ms == "-1" ? -1 : Units.RamInBytes(ms);
        if (p.GetValue(Cpus) is { } cpus)
        {
            if (!decimal.TryParse(cpus, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || d < 0)
                throw new EngineUsageException($"invalid argument \"{cpus}\" for \"--cpus\" flag: failed to parse {cpus} as a rational number");
            hc.NanoCpus = (long)(d * 1_000_000_000m);
            if (hc.NanoCpus > Environment.ProcessorCount * 1_000_000_000L)
                throw new EngineUsageException($"range of CPUs is from 0.01 to {Environment.ProcessorCount}.00, as there are only {Environment.ProcessorCount} CPUs available");
        }
        if (p.GetValue(CpuShares) is { } shares) hc.CpuShares = shares;
        if (p.GetValue(PidsLimit) is { } pl) hc.PidsLimit = pl;
        if (p.GetValue(CpusetCpus) is { } cc) hc.CpusetCpus = CpuList(cc, "--cpuset-cpus");
        if (p.GetValue(CpusetMems) is { } cm) hc.CpusetMems = CpuList(cm, "--cpuset-mems");
        if (p.GetValue(Init)) hc.Init = true;
        hc.VolumesFrom = List(p.GetValue(VolumesFrom));
        foreach (var u in p.GetValue(Ulimit) ?? [])
        {
            var eq = u.IndexOf('=');
            if (eq < 0) throw new EngineUsageException($"invalid argument \"{u}\" for \"--ulimit\" flag: invalid ulimit argument: {u}");
            var lim = u[(eq + 1)..].Split(':');
            if (!long.TryParse(lim[0], out var soft) || lim.Length > 1 && !long.TryParse(lim[1], out _))
                throw new EngineUsageException($"invalid argument \"{u}\" for \"--ulimit\" flag: invalid ulimit value: {u[(eq + 1)..]}");
            var hard = lim.Length > 1 ? long.Parse(lim[1]) : soft;
            if (soft > hard) throw new EngineUsageException($"invalid argument \"{u}\" for \"--ulimit\" flag: ulimit soft limit must be less than or equal to hard limit: {soft} > {hard}");
            (hc.Ulimits ??= []).Add(new Ulimit { Name = u[..eq], Soft = soft, Hard = hard });
        }
        foreach (var s in p.GetValue(Sysctl) ?? [])
        {
            var eq = s.IndexOf('=');
            if (eq <= 0) throw new EngineUsageException($"invalid argument \"{s}\" for \"--sysctl\" flag: sysctl '{s}' is not allowed");
            (hc.Sysctls ??= [])[s[..eq]] = s[(eq + 1)..];
        }
        foreach (var d in p.GetValue(Device) ?? [])
        {
            var parts = d.Split(':');
            var dm = new DeviceMapping { PathOnHost = parts[0], PathInContainer = parts.Length > 1 && parts[1].StartsWith('/') ? parts[1] : parts[0] };
            if (parts.Length > 1 && !parts[^1].StartsWith('/')) dm.CgroupPermissions = parts[^1];
            (hc.Devices ??= []).Add(dm);
        }
        var driver = p.GetValue(LogDriver) ?? "json-file";
        if (driver is not ("json-file" or "local" or "none"))
            throw new EngineUsageException($"failed to create task for container: logger: no log driver named '{driver}' is registered (quai has json-file, local and none)");
        hc.LogConfig.Type = driver;
        foreach (var lo in p.GetValue(LogOpt) ?? [])
        {
            var eq = lo.IndexOf('=');
            if (eq <= 0) throw new EngineUsageException($"invalid argument \"{lo}\" for \"--log-opt\" flag: invalid key value pair format: {lo}");
            var key = lo[..eq];
            if (driver == "none") throw new EngineUsageException($"unknown log opt '{key}' for none log driver");
            if (driver == "local" && key is not ("max-size" or "max-file" or "compress")) throw new EngineUsageException($"unknown log opt '{key}' for local log driver");
            if (key is not ("max-size" or "max-file" or "compress" or "labels" or "env" or "tag"))
                throw new EngineUsageException($"unknown log opt '{key}' for json-file log driver");
            if (key == "max-size") Units.RamInBytes(lo[(eq + 1)..]);
            if (key == "max-file" && (!int.TryParse(lo[(eq + 1)..], out var mf) || mf < 1)) throw new EngineUsageException("max-file cannot be less than 1");
            hc.LogConfig.Config[key] = lo[(eq + 1)..];
        }
        if (driver == "local")
        {
            hc.LogConfig.Config.TryAdd("max-size", "20m");
            hc.LogConfig.Config.TryAdd("max-file", "5");
        }
        if (p.GetValue(ShmSize) is { } shm) hc.ShmSize = Units.RamInBytes(shm);
        if (p.GetValue(Gpus) is { } gpus)
            throw new EngineUsageException($"could not select device driver \"\" with capabilities: [[gpu]] (--gpus {gpus}: quai has no GPU support)");
        hc.GroupAdd = List(p.GetValue(GroupAdd));
        hc.PidMode = p.GetValue(Pid) ?? "";
        hc.IpcMode = p.GetValue(Ipc) ?? "";
        hc.UtsMode = p.GetValue(Uts) ?? "";
        hc.UsernsMode = p.GetValue(Userns) ?? "";
        hc.CgroupnsMode = p.GetValue(Cgroupns) ?? "";
        if (p.GetValue(OomKillDisable)) hc.OomKillDisable = true;
        if (p.GetValue(MemoryReservation) is { } mr)
        {
            try { hc.MemoryReservation = Units.RamInBytes(mr); }
            catch (EngineUsageException e) { throw new EngineUsageException($"invalid argument \"{mr}\" for \"--memory-reservation\" flag: {e.Message}"); }
        }
        hc.CpuPeriod = p.GetValue(CpuPeriod) ?? 0;
        hc.CpuQuota = p.GetValue(CpuQuota) ?? 0;
        hc.BlkioWeight = p.GetValue(BlkioWeight) ?? 0;
        if (hc.BlkioWeight is >= 10 and <= 1000 && !SpecBuilder.BlkioWeightSupported())
        {
            Console.Error.WriteLine("WARNING: Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.");
            hc.BlkioWeight = 0;
        }
        hc.BlkioDeviceReadBps = Throttles(p.GetValue(DeviceReadBps), "--device-read-bps", bytes: true);
        hc.BlkioDeviceWriteBps = Throttles(p.GetValue(DeviceWriteBps), "--device-write-bps", bytes: true);
        hc.BlkioDeviceReadIops = Throttles(p.GetValue(DeviceReadIops), "--device-read-iops", bytes: false);
        hc.BlkioDeviceWriteIops = Throttles(p.GetValue(DeviceWriteIops), "--device-write-iops", bytes: false);
        // name resolution: checked here, before anything is created (Docker's CLI refuses them as flag errors)
        hc.ExtraHosts = List(p.GetValue(AddHost)?.Select(NetworkFiles.ValidateExtraHost).ToArray());
        hc.Dns = (p.GetValue(Dns) ?? []).Select(d => { NetworkFiles.ParseDns(d); return d; }).ToList();
        hc.DnsSearch = (p.GetValue(DnsSearch) ?? []).Select(NetworkFiles.ValidateDnsSearch).ToList();
        hc.DnsOptions = [.. p.GetValue(DnsOption) ?? []];

        var o = new RunOptions
        {
            Image = image, Platform = p.GetValue(Platform), Cmd = command.ToList(), Name = p.GetValue(Name), Entrypoint = p.GetValue(Entrypoint),
            Env = List(p.GetValue(Env)) ?? [], EnvFiles = List(p.GetValue(EnvFile)) ?? [], User = p.GetValue(User), WorkingDir = p.GetValue(Workdir),
            Hostname = p.GetValue(Hostname), Tty = p.GetValue(Tty), Interactive = p.GetValue(Interactive), Detach = detach,
            Volumes = (List(p.GetValue(Volume)) ?? []).Select(BindPaths.VolumeSpec).ToList(), Mounts = (List(p.GetValue(Mount)) ?? []).Select(BindPaths.MountSpec).ToList(), VolumesFrom = List(p.GetValue(VolumesFrom)) ?? [], Tmpfs = List(p.GetValue(Tmpfs)) ?? [],
            StopSignal = p.GetValue(StopSignal), StopTimeout = p.GetValue(StopTimeout), NoHealthcheck = p.GetValue(NoHealthcheck),
            HostConfig = hc,
            Network = p.GetValue(Network), Publish = List(p.GetValue(Publish)) ?? [], PublishAll = p.GetValue(PublishAll), Expose = List(p.GetValue(Expose)) ?? [],
            IPv4Address = p.GetValue(Ip), IPv6Address = p.GetValue(Ip6), NetworkAliases = List(p.GetValue(NetworkAlias)) ?? [], MacAddress = p.GetValue(MacAddress),
        };
        foreach (var l in (p.GetValue(LabelFile) ?? []).SelectMany(LabelFileLines).Concat(p.GetValue(Label) ?? []))
        {
            var eq = l.IndexOf('=');
            o.Labels[eq < 0 ? l : l[..eq]] = eq < 0 ? "" : l[(eq + 1)..];
        }
        if (p.GetValue(HealthCmd) is { } hcmd || p.GetValue(HealthInterval) is not null || p.GetValue(HealthRetries) is not null || p.GetValue(HealthTimeout) is not null)
        {
            var cmdText = p.GetValue(HealthCmd);
            o.Healthcheck = new Oci.Image.HealthConfig
            {
                Test = cmdText is null ? null : ["CMD-SHELL", cmdText],
                Interval = p.GetValue(HealthInterval) is { } hi ? Nanos(hi) : null,
                Timeout = p.GetValue(HealthTimeout) is { } ht ? Nanos(ht) : null,
                StartPeriod = p.GetValue(HealthStartPeriod) is { } hs ? Nanos(hs) : null,
                Retries = p.GetValue(HealthRetries),
            };
            if (o.Healthcheck.Retries is < 0) throw new EngineUsageException("--health-retries cannot be negative");
        }
        if (o.NoHealthcheck && o.Healthcheck?.Test is not null) throw new EngineUsageException("--no-healthcheck conflicts with --health-* options");
        return o;
    }

    /// <summary>A cpuset list ("0-3", "0,1"), checked the way Docker does before anything is created.</summary>
    private static string CpuList(string value, string flag)
    {
        foreach (var part in value.Split(','))
        {
            var range = part.Split('-');
            if (range.Length > 2 || range.Any(r => !int.TryParse(r, out var n) || n < 0) ||
                range.Length == 2 && int.Parse(range[0]) > int.Parse(range[1]))
                throw new EngineUsageException($"invalid argument \"{value}\" for \"{flag}\" flag: invalid format: {value}");
        }
        return value;
    }

    private static List<string>? List(string[]? a) => a is { Length: > 0 } ? [.. a] : null;
}
