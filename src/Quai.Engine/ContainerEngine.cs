using System.Runtime.InteropServices;
using Quai.Engine.Containers;
using Quai.Engine.Specs;
using Quai.Engine.Volumes;
using Quai.Images;
using Quai.Interop;
using Quai.Runtime.Containers;
using ContainerStore = Quai.Engine.Containers.ContainerStore;
using ImgMount = Quai.Images.Snapshots.Mount;

namespace Quai.Engine;

/// <summary>The daemonless container engine: the one API the CLI, a future Docker-API daemon and
/// the tests call. Everything is on disk under <see cref="Root"/> (the image store's root); there is
/// no daemon: each running container has its own monitor process (see docs/engine.md).</summary>
public sealed partial class ContainerEngine : IDisposable
{
    public string Root { get; }
    public ContainerStore Store { get; }
    public VolumeStore Volumes { get; }
    public ContainerRuntime Runtime { get; }
    private readonly ImageStoreOptions _imageOptions;
    private ImageStore? _images;

    public ContainerEngine(ImageStoreOptions options)
    {
        _imageOptions = options;
        Root = Quai.Fs.PrivateStore.EnsureDir(Path.GetFullPath(options.Root));
        Store = new ContainerStore(Root);
        Volumes = new VolumeStore(Root) { Events = new global::Quai.Engine.Events.EventJournal(Root) };
        Runtime = new ContainerRuntime(Path.Combine(Root, "runtime"));
        // what killed creates and removals left: finished here, by whichever command comes next
        try { if (Store.TrashAbandoned() | Store.Trash().Any()) SweepTrash(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Quai.Interop.ErrnoException) { }
    }

    public ContainerEngine(string root) : this(new ImageStoreOptions { Root = root }) { }

    public ImageStore Images => _images ??= ImageStore.Open(_imageOptions);

    public void Dispose() => _images?.Dispose();

    public string BundleDir(string id) => Path.Combine(Store.Dir(id), "bundle");
    public string RootfsDir(string id) => Path.Combine(BundleDir(id), "rootfs");

    // ---------------------------------------------------------------- create

    /// <summary>`create`: resolves the image (throws <see cref="ImageNotFoundException"/>), takes the
    /// name, prepares the rootfs snapshot and writes the record. Nothing runs yet.</summary>
    public Container Create(RunOptions o)
    {
        var image = Images.Resolve(o.Image);
        if (o.Platform is { Length: > 0 } wanted)
        {
            Oci.Image.Platform platform;
            try { platform = Oci.Image.Platform.Parse(wanted); }
            catch (Exception e) when (e is FormatException or ArgumentException or InvalidDataException)
            { throw new EngineUsageException($"\"{wanted}\": {e.Message}"); }
            var actual = image.Config.Platform;
            // a multi-platform image (an index) runs the image of the platform asked for
            if (!platform.Matches(actual))
                image = Images.ForPlatform(image.Record, platform) is { } other ? Images.Describe(other)
                    : throw new EngineUsageException($"image with reference {o.Image} was found but does not match the specified platform: wanted {platform}, actual: {actual}");
        }
        var hc = o.HostConfig;
        RestartManager_Validate(hc);
        if (hc.AutoRemove && hc.RestartPolicy.Name is not ("no" or ""))
            throw new EngineUsageException("Conflicting options: --restart and --rm");
        // The runtime refuses these too; saying so at create keeps a container that can never start from being made.
        foreach (var (key, value) in hc.Sysctls ?? [])
            if (Quai.Runtime.Validation.SysctlPolicy.Check(key, new(PrivateIpc: true, PrivateNetwork: (o.Network ?? hc.NetworkMode) != "host", PrivateUts: true)) is { } why)
                throw new EngineUsageException($"invalid argument \"{key}={value}\" for \"--sysctl\" flag: {why}");
        var env = new List<string>();
        HostConfigRules.Check(hc);
        hc.PidMode = JoinedContainer(hc.PidMode, "PID");
        hc.IpcMode = JoinedContainer(hc.IpcMode, "IPC");
        if (hc.UtsMode == "host" && o.Hostname is { Length: > 0 }) throw new EngineUsageException("Conflicting options: hostname and the UTS mode");
        foreach (var f in o.EnvFiles) env.AddRange(ProcessConfig.ParseEnvFile(f));
        env.AddRange(o.Env);

        var id = ContainerStore.NewId();
        using var creating = Store.LockNew(id); // until the record exists: see ContainerStore.TrashAbandoned
        Directory.CreateDirectory(Store.Dir(id), Quai.Fs.PrivateStore.DirMode); // before the name: see ContainerStore.ReserveName
        string name;
        try
        {
            if (o.Name is { Length: > 0 } n) { Store.ReserveName(n.TrimStart('/'), id); name = n.TrimStart('/'); }
            else name = Store.ReserveRandomName(id);
        }
        catch
        {
            Directory.Delete(Store.Dir(id), true);
            creating.RemoveFile();
            throw;
        }
        var dir = Store.Dir(id);
        var prepared = false;
        try
        {
            var ic = image.Config.Config ?? new Oci.Image.ContainerConfig();
            var (entrypoint, cmd) = ProcessConfig.Combine(ic.Entrypoint, ic.Cmd,
                o.Entrypoint is null ? null : o.Entrypoint.Length == 0 ? [""] : [o.Entrypoint], o.Cmd);
            if (entrypoint is null && cmd is null) throw new EngineUsageException("no command specified");
            var hostname = o.Hostname is { Length: > 0 } h ? h : hc.UtsMode == "host" ? Environment.MachineName : id[..12];
            var baseEnv = new List<string>();
            var imageEnv = ic.Env ?? [];
            if (!imageEnv.Any(e => e.StartsWith("PATH=", StringComparison.Ordinal)) && !env.Any(e => e.StartsWith("PATH=", StringComparison.Ordinal)))
                baseEnv.Add(ProcessConfig.DefaultPath);
            baseEnv.Add("HOSTNAME=" + hostname);
            if (o.Tty) baseEnv.Add("TERM=xterm");
            var c = new Container
            {
                Id = id, Created = Times.Now(), Name = "/" + name, Image = image.Id,
                Path = (entrypoint ?? cmd)![0], Args = ProcessConfig.Args(entrypoint, cmd).Skip(1).ToList(),
                Config = new RunConfig
                {
                    Hostname = hostname, User = o.User ?? ic.User ?? "", Tty = o.Tty, OpenStdin = o.Interactive,
                    StdinOnce = o.Interactive && !o.Detach, AttachStdin = o.Interactive && !o.Detach,
                    AttachStdout = !o.Detach, AttachStderr = !o.Detach,
                    Env = ProcessConfig.MergeEnv(ProcessConfig.MergeEnv(baseEnv, imageEnv), env),
                    Cmd = cmd, Entrypoint = entrypoint, Image = o.Image,
                    WorkingDir = o.WorkingDir ?? ic.WorkingDir ?? "",
                    Labels = new Dictionary<string, string>(ic.Labels ?? []),
                    StopSignal = o.StopSignal ?? ic.StopSignal, StopTimeout = o.StopTimeout ?? ic.StopTimeout,
                    Healthcheck = o.NoHealthcheck ? new Oci.Image.HealthConfig { Test = ["NONE"] } : MergeHealth(ic.Healthcheck, o.Healthcheck),
                    Volumes = ic.Volumes,
                },
                HostConfig = hc,
                Quai = new EngineData { ImageRef = o.Image },
            };
            foreach (var (k, v) in o.Labels) c.Config.Labels[k] = v;
            ConfigureNetworking(c, o, ic);
            if (c.Config.WorkingDir.Length > 0 && !c.Config.WorkingDir.StartsWith('/'))
                throw new EngineUsageException($"the working directory '{c.Config.WorkingDir}' is invalid, it needs to be an absolute path");
            if (c.Config.StopSignal is { } ss && !Sig.TryParse(ss, out _)) throw new EngineUsageException($"Invalid signal: {ss}");
            Directory.CreateDirectory(dir);
            c.LogPath = Path.Combine(dir, id + "-json.log");
            c.HostnamePath = Path.Combine(dir, "hostname");
            c.HostsPath = Path.Combine(dir, "hosts");
            c.ResolvConfPath = Path.Combine(dir, "resolv.conf");
            File.WriteAllText(c.HostnamePath, hostname + "\n");
            var hostMode = hc.NetworkMode == "host";
            File.WriteAllText(c.HostsPath, NetworkFiles.Hosts(hostname, [], hc.ExtraHosts ?? [], hostGatewayIp: WantsHostGateway(hc) ? HostGatewayIp() : null,
                hostMode ? (File.Exists("/etc/hosts") ? File.ReadAllText("/etc/hosts") : "") : null));
            File.WriteAllText(c.ResolvConfPath, NetworkFiles.ResolvConf(
                File.Exists(NetworkFiles.HostResolvConfPath) ? File.ReadAllText(NetworkFiles.HostResolvConfPath) : "",
                hc.Dns ?? [], hc.DnsSearch ?? [], hc.DnsOptions ?? [], embeddedDns: false, ownNetns: !hostMode));
            c.Mounts = ResolveMounts(o, ic);
            FaultPoint.Hit("engine.create.named");
            var rootfs = Images.PrepareRootfs(id, image.Id);
            prepared = true;
            FaultPoint.Hit("engine.create.prepared");
            c.Quai.RootfsMounts = rootfs.Mounts.Select(m => new RootfsMount { Type = m.Type, Source = m.Source, Options = [.. m.Options], WorkingDirectory = m.WorkingDirectory }).ToList();
            Directory.CreateDirectory(BundleDir(id), Quai.Fs.PrivateStore.DirMode);
            Directory.CreateDirectory(RootfsDir(id));
            c.Driver = Images.Snapshotter is Quai.Images.Snapshots.OverlaySnapshotter ? "overlay2" : "vfs";
            Store.Create(c);
            EmitContainer(c, "create");
            return c;
        }
        catch
        {
            if (prepared) try { Images.ReleaseRootfs(id); } catch (Exception) { }
            try { Directory.Delete(dir, true); } catch (IOException) { }
            Store.ReleaseName(name, id);
            creating.RemoveFile();
            throw;
        }
    }

    private static void RestartManager_Validate(HostConfig hc) => Monitor.RestartManager.Validate(hc.RestartPolicy.Name, hc.RestartPolicy.MaximumRetryCount);

    private static Oci.Image.HealthConfig? MergeHealth(Oci.Image.HealthConfig? image, Oci.Image.HealthConfig? user)
    {
        if (user is null) return image;
        return new Oci.Image.HealthConfig
        {
            Test = user.Test ?? image?.Test, Interval = user.Interval ?? image?.Interval, Timeout = user.Timeout ?? image?.Timeout,
            StartPeriod = user.StartPeriod ?? image?.StartPeriod, Retries = user.Retries ?? image?.Retries,
        };
    }

    private List<MountPoint> ResolveMounts(RunOptions o, Oci.Image.ContainerConfig ic)
    {
        var list = new List<MountPoint>();
        void Add(MountPoint m)
        {
            if (!m.Destination.StartsWith('/')) throw new EngineUsageException($"invalid mount config: mount path must be absolute: {m.Destination}");
            if (list.Any(x => x.Destination == m.Destination)) throw new EngineUsageException($"Duplicate mount point: {m.Destination}");
            list.Add(m);
        }
        foreach (var spec in o.Volumes)
        {
            var parts = spec.Split(':');
            if (parts.Length == 1) { Add(Anonymous(parts[0])); continue; }
            if (parts.Length > 3 || parts[0].Length == 0 || parts[1].Length == 0) throw new EngineUsageException($"invalid spec: {spec}: too many colons");
            var mode = parts.Length == 3 ? parts[2] : "";
            MountModes.Check(mode);
            var ro = mode.Split(',').Contains("ro");
            if (parts[0].StartsWith('.') || parts[0].StartsWith('~')) throw NotAbsolute(parts[0]); // the CLI resolves ./x against its cwd
            if (parts[0].StartsWith('/'))
            {
                if (!Path.Exists(parts[0])) Directory.CreateDirectory(parts[0]); // Docker creates missing bind sources for -v
                Add(new MountPoint { Type = "bind", Source = parts[0], Destination = parts[1], Mode = mode, RW = !ro, Propagation = "rprivate" });
            }
            else
            {
                var v = Volumes.Create(parts[0]);
                Add(new MountPoint { Type = "volume", Name = v.Name, Source = v.Mountpoint, Destination = parts[1], Driver = "local", Mode = mode.Length == 0 ? "z" : mode, RW = !ro,
                                     NoCopy = mode.Split(',').Contains("nocopy") });
            }
        }
        foreach (var spec in o.Mounts)
        {
            var kv = spec.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0].Trim().ToLowerInvariant(), p => p.Length > 1 ? p[1] : "true");
            var type = kv.GetValueOrDefault("type", "volume");
            var target = kv.GetValueOrDefault("target") ?? kv.GetValueOrDefault("destination") ?? kv.GetValueOrDefault("dst")
                         ?? throw new EngineUsageException($"invalid argument \"{spec}\" for \"--mount\" flag: target is required");
            var source = kv.GetValueOrDefault("source") ?? kv.GetValueOrDefault("src");
            var ro = kv.TryGetValue("readonly", out var r) && r != "false" || kv.TryGetValue("ro", out var r2) && r2 != "false";
            switch (type)
            {
                case "bind":
                    if (source is null) throw new EngineUsageException($"invalid argument \"{spec}\" for \"--mount\" flag: source is required when type is bind");
                    if (!source.StartsWith('/')) throw NotAbsolute(source);
                    if (!Path.Exists(source)) throw new EngineUsageException($"invalid mount config for type \"bind\": bind source path does not exist: {source}");
                    Add(new MountPoint { Type = "bind", Source = source, Destination = target, RW = !ro, Propagation = "rprivate" });
                    break;
                case "volume":
                    var nocopy = kv.TryGetValue("volume-nocopy", out var nc) && nc != "false";
                    if (source is null) { var a = Anonymous(target); a.RW = !ro; a.NoCopy = nocopy; Add(a); break; }
                    var v = Volumes.Create(source);
                    Add(new MountPoint { Type = "volume", Name = v.Name, Source = v.Mountpoint, Destination = target, Driver = "local", RW = !ro, NoCopy = nocopy });
                    break;
                case "tmpfs":
                    var opts = new List<string>();
                    if (kv.TryGetValue("tmpfs-size", out var size)) opts.Add("size=" + Units.RamInBytes(size));
                    if (kv.TryGetValue("tmpfs-mode", out var mode))
                    {
                        if (mode.Length == 0 || mode.Length > 4 || !mode.All(ch => ch is >= '0' and <= '7'))
                            throw new EngineUsageException($"invalid argument \"{spec}\" for \"--mount\" flag: invalid value for tmpfs-mode: {mode}");
                        opts.Add("mode=" + mode);
                    }
                    TmpfsOptions.CheckDestination(target);
                    Add(new MountPoint { Type = "tmpfs", Destination = target, Mode = string.Join(',', opts), RW = !ro });
                    break;
                default: throw new EngineUsageException($"invalid argument \"{spec}\" for \"--mount\" flag: invalid mount type \"{type}\"");
            }
        }
        foreach (var spec in o.Tmpfs.Concat((o.HostConfig.Tmpfs ?? []).Select(kv => kv.Value.Length > 0 ? kv.Key + ":" + kv.Value : kv.Key)).Distinct())
        {
            var i = spec.IndexOf(':');
            var dest = i < 0 ? spec : spec[..i];
            TmpfsOptions.CheckDestination(dest);
            var opts = i < 0 ? [] : TmpfsOptions.Parse(spec[(i + 1)..]);
            Add(new MountPoint { Type = "tmpfs", Destination = dest, Mode = string.Join(',', opts), RW = !opts.Contains("ro") });
        }
        foreach (var m in o.ResolvedMounts)
        {
            if (m.Type == "bind" && !Path.Exists(m.Source)) throw new EngineUsageException($"invalid mount config for type \"bind\": bind source path does not exist: {m.Source}");
            if (m.Type == "tmpfs") { TmpfsOptions.CheckDestination(m.Destination); TmpfsOptions.Parse(m.Mode); }
            Add(m);
        }
        foreach (var spec in o.VolumesFrom)
        {
            // Docker: the other container's volumes and binds, at the same places, with its mode
            // unless :ro or :rw is given; the container's own mounts win. They stay the other
            // container's: rm -v of this one does not remove them.
            var colon = spec.LastIndexOf(':');
            var mode = colon > 0 ? spec[(colon + 1)..] : "";
            if (mode is not ("" or "ro" or "rw")) throw new EngineUsageException($"invalid mode for volumes-from: {mode}");
            var from = Store.Load(Store.Resolve(mode.Length > 0 ? spec[..colon] : spec));
            foreach (var m in from.Mounts.Where(m => m.Type is "volume" or "bind"))
                if (!list.Any(x => x.Destination == m.Destination))
                    list.Add(new MountPoint
                    {
                        Type = m.Type, Name = m.Name, Source = m.Source, Destination = m.Destination, Driver = m.Driver,
                        Mode = m.Mode, RW = mode.Length > 0 ? mode == "rw" : m.RW, Propagation = m.Propagation, Anonymous = false,
                    });
        }
        foreach (var dest in o.NoImageVolumes ? [] : ic.Volumes?.Keys.ToList() ?? [])
            if (!list.Any(m => m.Destination == dest)) list.Add(Anonymous(dest));
        return list;
    }

    private static EngineUsageException NotAbsolute(string source) =>
        new($"invalid mount config for type \"bind\": invalid mount path: '{source}' mount path must be absolute");

    private MountPoint Anonymous(string dest)
    {
        var v = Volumes.Create(null, new Dictionary<string, string> { ["com.docker.volume.anonymous"] = "" });
        return new MountPoint { Type = "volume", Name = v.Name, Source = v.Mountpoint, Destination = dest, Driver = "local", RW = true, Anonymous = true };
    }

    // ---------------------------------------------------------------- rootfs

    /// <summary>Mounts the container's snapshot on bundle/rootfs (idempotent).</summary>
    public void MountRootfs(Container c)
    {
        var target = RootfsDir(c.Id);
        Directory.CreateDirectory(target);
        if (Quai.Images.Snapshots.MountHelper.IsMountPoint(target)) return;
        Quai.Images.Snapshots.MountHelper.MountAll(c.Quai.RootfsMounts.Select(m => new ImgMount(m.Type, m.Source, m.Options, m.WorkingDirectory)).ToList(), target);
    }

    /// <summary>Mounts the container's snapshot in a private mount namespace (see <see cref="Quai.Images.Snapshots.PrivateMounts"/>)
    /// and returns an O_PATH descriptor of its root: the mount exists only as long as that descriptor, never on the host.</summary>
    public int OpenRootfsPrivately(Container c)
    {
        var target = RootfsDir(c.Id);
        Directory.CreateDirectory(target);
        var mounts = c.Quai.RootfsMounts.Select(m => new ImgMount(m.Type, m.Source, m.Options, m.WorkingDirectory)).ToList();
        return Quai.Images.Snapshots.PrivateMounts.Run($"mount the filesystem of container {c.Id[..12]}", () =>
        {
            Quai.Images.Snapshots.MountHelper.MountAll(mounts, target);
            var fd = NativeFs.OpenAt(NativeFs.AT_FDCWD, target, NativeFs.O_PATH | NativeFs.O_DIRECTORY | NativeFs.O_NOFOLLOW, 0, target);
            NativeFs.TryUmount(target, NativeFs.MNT_DETACH); // the descriptor keeps the detached mount alive
            return fd;
        });
    }

    /// <summary>A stopped container's whole view as <c>docker cp</c> sees it: its snapshot with its volumes and bind
    /// mounts bound in at their destinations (resolved inside the rootfs, never through its symlinks), in a private
    /// mount namespace that lives until the returned handle is disposed. Returns an O_PATH descriptor of the root.</summary>
    public (int Fd, IDisposable Release) OpenStoppedViewPrivately(Container c)
    {
        var target = RootfsDir(c.Id);
        Directory.CreateDirectory(target);
        var mounts = c.Quai.RootfsMounts.Select(m => new ImgMount(m.Type, m.Source, m.Options, m.WorkingDirectory)).ToList();
        var binds = c.Mounts.Where(m => m.Type is "volume" or "bind" && m.Source.Length > 0).ToList();
        return Quai.Images.Snapshots.PrivateMounts.Hold($"mount the filesystem of container {c.Id[..12]}", () =>
        {
            Quai.Images.Snapshots.MountHelper.MountAll(mounts, target);
            using (var root = new Quai.Fs.InRoot(target))
                foreach (var m in binds)
                {
                    var st = NativeFs.FstatAt(NativeFs.AT_FDCWD, m.Source, 0, m.Source);
                    var dest = st.IsDir ? root.MkdirAll(m.Destination) : root.CreateFile(m.Destination);
                    try { NativeFs.Mount(m.Source, $"/proc/self/fd/{dest}", "", 0x1000 /* MS_BIND */ | 0x4000 /* MS_REC */, null); }
                    finally { NativeFs.close(dest); }
                    if (m.RW) continue;
                    // the remount must name the new mount's root: resolved again, it is what the path now leads to
                    var top = root.Open(m.Destination, NativeFs.O_PATH);
                    try { NativeFs.Mount("", $"/proc/self/fd/{top}", "", 0x1000 | 0x4000 | 0x20 /* MS_REMOUNT */ | 1 /* MS_RDONLY */, null); }
                    finally { NativeFs.close(top); }
                }
            return NativeFs.OpenAt(NativeFs.AT_FDCWD, target, NativeFs.O_PATH | NativeFs.O_DIRECTORY | NativeFs.O_NOFOLLOW, 0, target);
        });
    }

    public void UnmountRootfs(string id)
    {
        var target = RootfsDir(id);
        for (var i = 0; i < 8 && Directory.Exists(target) && Quai.Images.Snapshots.MountHelper.IsMountPoint(target); i++)
            Quai.Images.Snapshots.MountHelper.Unmount(target);
    }

    // ---------------------------------------------------------------- state

    /// <summary>The record with a true state: a container whose monitor is gone (killed, host
    /// rebooted) is cleaned up and shown exited.</summary>
    public Container Inspect(string idOrName) => Refresh(Store.Load(Store.Resolve(idOrName)));

    public List<Container> List() => Store.All().Select(Refresh).OrderByDescending(c => c.Created, StringComparer.Ordinal).ToList();

    public static bool IsActive(ContainerState s) => s.Status is "running" or "paused" or "restarting" or "removing";

    public bool MonitorAlive(Container c)
    {
        if (c.Quai.MonitorPid <= 0) return false;
        var stat = ProcStat.Read(c.Quai.MonitorPid);
        return stat is not null && stat.Value.State is not ('Z' or 'X') && stat.Value.StartTime == c.Quai.MonitorStartTime;
    }

    public Container Refresh(Container c)
    {
        if (!IsActive(c.State) || MonitorAlive(c)) return c;
        using var _ = Store.Lock(c.Id);
        c = Store.Load(c.Id);
        if (!IsActive(c.State) || MonitorAlive(c)) return c;
        try { Runtime.Delete(c.Id, force: true); } catch (Exception) { }
        try { DetachNetworks(c.Id); } catch (Exception) { }
        try { UnmountRootfs(c.Id); } catch (Exception) { }
        c.State.Status = "exited";
        c.State.Running = c.State.Paused = c.State.Restarting = false;
        c.State.Pid = 0;
        c.State.ExitCode = 255;
        c.State.Error = "container monitor exited unexpectedly";
        c.State.FinishedAt = Times.Now();
        if (c.State.Health is { } h) h.Status = "unhealthy";
        Store.Save(c);
        return c;
    }

    /// <summary>Waits until the container is no longer running (or restarting); returns its exit code.</summary>
    public int Wait(string id, CancellationToken ct = default, bool untilRemoved = false)
    {
        while (true)
        {
            var c = Store.TryLoad(id);
            if (c is null) return untilRemoved ? 0 : throw new NotFoundException($"No such container: {id}");
            c = Refresh(c);
            if (!IsActive(c.State) && !(c.State.Status == "created" && c.Quai.MonitorPid > 0 && MonitorAlive(c)) && !untilRemoved) return c.State.ExitCode;
            ct.ThrowIfCancellationRequested();
            Thread.Sleep(20);
        }
    }
}

public sealed class RootfsMount
{
    public string Type { get; set; } = "";
    public string Source { get; set; } = "";
    public List<string> Options { get; set; } = [];
    public string? WorkingDirectory { get; set; }
}
