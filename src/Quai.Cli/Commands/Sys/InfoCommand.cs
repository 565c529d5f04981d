using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Quai.Cli.Commands.Containers;
using Quai.Cli.Output;
using Quai.Engine;
using Quai.Runtime.Cgroups;
using Quai.Templates.Values;

namespace Quai.Cli.Commands.Sys;

/// <summary><c>quai info</c>: docker 28's Client and Server sections (containers by state, images, storage driver,
/// cgroup driver and version, security options, kernel, OS, CPUs, memory, the store's root) from the store and the
/// host; <c>--format</c> sees docker's <c>system.Info</c> fields (<c>{{.ServerVersion}}</c>, <c>{{.NCPU}}</c>,
/// <c>{{.DockerRootDir}}</c>, <c>{{json .}}</c>).</summary>
public static class InfoCommand
{
    public static Command Create(CliContext cli)
    {
        var format = new Option<string?>("--format", "-f") { Description = "Format output using a custom template ('json', 'TEMPLATE')" };
        var cmd = new Command("info", "Display system-wide information") { format };
        cmd.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            var info = Document(engine);
            var f = p.GetValue(format);
            if (f is null) { cli.Out.Write(Pretty(info)); return 0; }
            if (f == "json") { cli.Out.WriteLine(VersionCommand.GoJson(info)); return 0; }
            return VersionCommand.RenderTemplate(cli, f, JsonValues.Typed(info, Shape));
        }));
        return cmd;
    }

    private static readonly JsonShape Shape = new()
    {
        Maps = ["Runtimes", "RegistryConfig.IndexConfigs"],
        Slices = ["Labels", "SecurityOptions", "Warnings", "DriverStatus", "Plugins.Volume", "Plugins.Network", "Plugins.Log", "Plugins.Authorization", "CDISpecDirs"],
        GoNames = new() { ["CpuCfsPeriod"] = "CPUCfsPeriod", ["CpuCfsQuota"] = "CPUCfsQuota", ["HttpProxy"] = "HTTPProxy", ["HttpsProxy"] = "HTTPSProxy" },
        Types = new()
        {
            [""] = "system.Info", ["Plugins"] = "system.PluginsInfo", ["ClientInfo"] = "*system.clientInfo",
            ["Runtimes.*"] = "system.RuntimeWithStatus", ["Swarm"] = "swarm.Info",
        },
    };

    private static string OsPrettyName()
    {
        try
        {
            foreach (var line in File.ReadLines("/etc/os-release"))
                if (line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal)) return line[12..].Trim('"');
        }
        catch (IOException) { }
        return "Linux";
    }

    private static string OsVersion()
    {
        try
        {
            foreach (var line in File.ReadLines("/etc/os-release"))
                if (line.StartsWith("VERSION_ID=", StringComparison.Ordinal)) return line[11..].Trim('"');
        }
        catch (IOException) { }
        return "";
    }

    /// <summary>uname's machine (x86_64, aarch64), as docker's Architecture.</summary>
    private static string Machine() => System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "x86_64",
        System.Runtime.InteropServices.Architecture.Arm64 => "aarch64",
        System.Runtime.InteropServices.Architecture.X86 => "i686",
        var a => a.ToString().ToLowerInvariant(),
    };

    private static long MemTotal()
    {
        foreach (var line in File.ReadLines("/proc/meminfo"))
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        return 0;
    }

    /// <summary>The filesystem type of the mount holding <paramref name="path"/> (docker's "Backing Filesystem").</summary>
    private static string BackingFilesystem(string path)
    {
        string best = "", type = "";
        try
        {
            foreach (var m in MountInfo.Parse(File.ReadAllText("/proc/self/mountinfo")))
                if ((path == m.MountPoint || path.StartsWith(m.MountPoint.TrimEnd('/') + "/", StringComparison.Ordinal)) && m.MountPoint.Length >= best.Length)
                    (best, type) = (m.MountPoint, m.FsType);
        }
        catch (IOException) { }
        return type == "ext4" ? "extfs" : type;
    }

    /// <summary>The engine's ID: a UUID made once per store (<c>&lt;root&gt;/engine-id</c>, 0600), like dockerd's engine-id.</summary>
    private static string EngineId(string root)
    {
        var path = Path.Combine(root, "engine-id");
        try { if (File.ReadAllText(path).Trim() is { Length: > 0 } id) return id; }
        catch (IOException) { }
        var fresh = Guid.NewGuid().ToString();
        var tmp = path + ".tmp-" + Environment.ProcessId;
        try
        {
            using (var f = new FileStream(tmp, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
            {
                f.Write(System.Text.Encoding.ASCII.GetBytes(fresh + "\n"));
                f.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: false);
        }
        catch (IOException)
        {
            File.Delete(tmp);
            try { return File.ReadAllText(path).Trim(); } catch (IOException) { }
        }
        return fresh;
    }

    public static JsonElement Document(ContainerEngine engine)
    {
        var containers = engine.List();
        int running = containers.Count(c => c.State.Status is "running" or "restarting"), paused = containers.Count(c => c.State.Status == "paused");
        var images = engine.Images.Metadata.Images().Count;
        var driver = engine.Images.Snapshotter.Name;
        var root = engine.Images.Root;
        var mode = CgroupEnvironment.Detect().Mode;
        var cgroupVersion = mode == CgroupMode.Unified ? "2" : "1";
        var seccomp = File.ReadAllText("/proc/self/status").Contains("\nSeccomp:", StringComparison.Ordinal);
        return TemplateOutput.ToElement(w =>
        {
            w.WriteStartObject();
            w.WriteString("ID", EngineId(root));
            w.WriteNumber("Containers", containers.Count);
            w.WriteNumber("ContainersRunning", running);
            w.WriteNumber("ContainersPaused", paused);
            w.WriteNumber("ContainersStopped", containers.Count - running - paused);
            w.WriteNumber("Images", images);
            w.WriteString("Driver", driver);
            w.WriteStartArray("DriverStatus");
            w.WriteStartArray(); w.WriteStringValue("Backing Filesystem"); w.WriteStringValue(BackingFilesystem(root)); w.WriteEndArray();
            w.WriteEndArray();
            w.WriteStartObject("Plugins");
            w.WriteStartArray("Volume"); w.WriteStringValue("local"); w.WriteEndArray();
            w.WriteStartArray("Network"); w.WriteStringValue("host"); w.WriteStringValue("null"); w.WriteEndArray();
            w.WriteNull("Authorization");
            w.WriteStartArray("Log"); w.WriteStringValue("json-file"); w.WriteEndArray();
            w.WriteEndObject();
            w.WriteBoolean("MemoryLimit", true);
            w.WriteBoolean("SwapLimit", File.Exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes") || mode == CgroupMode.Unified);
            w.WriteBoolean("CpuCfsPeriod", true);
            w.WriteBoolean("CpuCfsQuota", true);
            w.WriteBoolean("CPUShares", true);
            w.WriteBoolean("CPUSet", true);
            w.WriteBoolean("PidsLimit", true);
            w.WriteBoolean("IPv4Forwarding", File.Exists("/proc/sys/net/ipv4/ip_forward") && File.ReadAllText("/proc/sys/net/ipv4/ip_forward").Trim() == "1");
            w.WriteBoolean("Debug", false);
            w.WriteNumber("NFd", Directory.GetFiles("/proc/self/fd").Length);
            w.WriteBoolean("OomKillDisable", mode != CgroupMode.Unified);
            w.WriteNumber("NGoroutines", System.Diagnostics.Process.GetCurrentProcess().Threads.Count);
            w.WriteString("SystemTime", DateTimeOffset.Now.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffffzzz", CultureInfo.InvariantCulture));
            w.WriteString("LoggingDriver", "json-file");
            w.WriteString("CgroupDriver", "cgroupfs");
            w.WriteString("CgroupVersion", cgroupVersion);
            w.WriteNumber("NEventsListener", 0);
            w.WriteString("KernelVersion", VersionCommand.KernelVersion());
            w.WriteString("OperatingSystem", OsPrettyName());
            w.WriteString("OSVersion", OsVersion());
            w.WriteString("OSType", "linux");
            w.WriteString("Architecture", Machine());
            w.WriteString("IndexServerAddress", "https://index.docker.io/v1/");
            w.WriteNumber("NCPU", Environment.ProcessorCount);
            w.WriteNumber("MemTotal", MemTotal());
            w.WriteString("DockerRootDir", root);
            w.WriteString("HttpProxy", Environment.GetEnvironmentVariable("HTTP_PROXY") ?? Environment.GetEnvironmentVariable("http_proxy") ?? "");
            w.WriteString("HttpsProxy", Environment.GetEnvironmentVariable("HTTPS_PROXY") ?? Environment.GetEnvironmentVariable("https_proxy") ?? "");
            w.WriteString("NoProxy", Environment.GetEnvironmentVariable("NO_PROXY") ?? Environment.GetEnvironmentVariable("no_proxy") ?? "");
            w.WriteString("Name", Environment.MachineName);
            w.WriteStartArray("Labels"); w.WriteEndArray();
            w.WriteBoolean("ExperimentalBuild", false);
            w.WriteString("ServerVersion", BuildInfo.Version);
            w.WriteStartObject("Runtimes");
            w.WriteStartObject("quai-runtime"); w.WriteString("path", "quai-runtime"); w.WriteEndObject();
            w.WriteEndObject();
            w.WriteString("DefaultRuntime", "quai-runtime");
            w.WriteStartObject("Swarm");
            w.WriteString("NodeID", ""); w.WriteString("NodeAddr", ""); w.WriteString("LocalNodeState", "inactive");
            w.WriteBoolean("ControlAvailable", false); w.WriteString("Error", ""); w.WriteNull("RemoteManagers");
            w.WriteEndObject();
            w.WriteBoolean("LiveRestoreEnabled", false);
            w.WriteString("Isolation", "");
            w.WriteString("InitBinary", "");
            w.WriteStartArray("SecurityOptions");
            if (seccomp) w.WriteStringValue("name=seccomp,profile=builtin");
            if (mode == CgroupMode.Unified) w.WriteStringValue("name=cgroupns");
            w.WriteEndArray();
            w.WriteStartArray("Warnings"); w.WriteEndArray();
            w.WriteStartObject("ClientInfo");
            w.WriteBoolean("Debug", false);
            w.WriteString("Version", BuildInfo.Version);
            w.WriteString("GitCommit", BuildInfo.GitCommit);
            w.WriteString("GoVersion", BuildInfo.Runtime);
            w.WriteString("Os", BuildInfo.Os);
            w.WriteString("Arch", BuildInfo.Arch);
            w.WriteString("BuildTime", BuildInfo.Built.ToString("ddd MMM d HH:mm:ss yyyy", CultureInfo.InvariantCulture));
            w.WriteString("Context", "default");
            w.WriteStartArray("Plugins"); w.WriteEndArray();
            w.WriteNull("Warnings");
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    /// <summary>docker-cli's prettyPrintInfo, the parts Quai has.</summary>
    private static string Pretty(JsonElement i)
    {
        var sb = new System.Text.StringBuilder();
        void L(string line) => sb.Append(line).Append('\n');
        string S(string k) => i.GetProperty(k).ValueKind == JsonValueKind.String ? i.GetProperty(k).GetString()! : i.GetProperty(k).GetRawText();
        var ci = i.GetProperty("ClientInfo");
        L("Client: Quai");
        L(" Version:    " + ci.GetProperty("Version").GetString());
        L(" Context:    " + ci.GetProperty("Context").GetString());
        L(" Debug Mode: false");
        L("");
        L("Server:");
        L(" Containers: " + S("Containers"));
        L("  Running: " + S("ContainersRunning"));
        L("  Paused: " + S("ContainersPaused"));
        L("  Stopped: " + S("ContainersStopped"));
        L(" Images: " + S("Images"));
        L(" Server Version: " + S("ServerVersion"));
        L(" Storage Driver: " + S("Driver"));
        foreach (var pair in i.GetProperty("DriverStatus").EnumerateArray())
            L($"  {pair[0].GetString()}: {pair[1].GetString()}");
        L(" Logging Driver: " + S("LoggingDriver"));
        L(" Cgroup Driver: " + S("CgroupDriver"));
        L(" Cgroup Version: " + S("CgroupVersion"));
        L(" Plugins:");
        var plugins = i.GetProperty("Plugins");
        L("  Volume: " + string.Join(' ', plugins.GetProperty("Volume").EnumerateArray().Select(x => x.GetString())));
        L("  Network: " + string.Join(' ', plugins.GetProperty("Network").EnumerateArray().Select(x => x.GetString())));
        L("  Log: " + string.Join(' ', plugins.GetProperty("Log").EnumerateArray().Select(x => x.GetString())));
        L(" Swarm: inactive");
        L(" Runtimes: " + string.Join(' ', i.GetProperty("Runtimes").EnumerateObject().Select(r => r.Name)));
        L(" Default Runtime: " + S("DefaultRuntime"));
        L(" Security Options:");
        foreach (var o in i.GetProperty("SecurityOptions").EnumerateArray())
        {
            // "name=seccomp,profile=builtin" prints as docker does: the name, then its other keys indented
            var parts = o.GetString()!.Split(',');
            foreach (var kv in parts)
            {
                var (k, v) = kv.IndexOf('=') is var eq and > 0 ? (kv[..eq], kv[(eq + 1)..]) : (kv, "");
                if (k == "name") L("  " + v);
                else L($"   {CultureInfo.InvariantCulture.TextInfo.ToTitleCase(k)}: {v}");
            }
        }
        L(" Kernel Version: " + S("KernelVersion"));
        L(" Operating System: " + S("OperatingSystem"));
        L(" OSType: " + S("OSType"));
        L(" Architecture: " + S("Architecture"));
        L(" CPUs: " + S("NCPU"));
        L(" Total Memory: " + InfoCommands.BinarySize(i.GetProperty("MemTotal").GetInt64()));
        L(" Name: " + S("Name"));
        L(" ID: " + S("ID"));
        L(" Docker Root Dir: " + S("DockerRootDir"));
        L(" Debug Mode: false");
        if (S("HttpProxy") is { Length: > 0 } hp) L(" HTTP Proxy: " + hp);
        if (S("HttpsProxy") is { Length: > 0 } hsp) L(" HTTPS Proxy: " + hsp);
        if (S("NoProxy") is { Length: > 0 } np) L(" No Proxy: " + np);
        L(" Experimental: false");
        L(" Live Restore Enabled: false");
        return sb.ToString();
    }
}
