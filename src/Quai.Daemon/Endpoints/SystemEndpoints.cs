using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Quai.Daemon.Api;
using Quai.Engine;

namespace Quai.Daemon.Endpoints;

/// <summary>/_ping, /version, /info: what clients ask first (version negotiation) and what `docker version`
/// and `docker info` print.</summary>
public static class SystemEndpoints
{
    public static void Map(IEndpointRouteBuilder app, DaemonServer daemon)
    {
        app.MapMethods("/_ping", ["GET", "HEAD"], Ping);
        app.MapGet("/version", Version);
        app.MapGet("/info", ctx => Info(ctx, daemon));
    }

    private static async Task Ping(HttpContext ctx)
    {
        var h = ctx.Response.Headers;
        h["Builder-Version"] = "1";
        h["Cache-Control"] = "no-cache, no-store, must-revalidate";
        h["Pragma"] = "no-cache";
        ctx.Response.ContentType = "text/plain; charset=utf-8";
        if (HttpMethods.IsHead(ctx.Request.Method)) { ctx.Response.ContentLength = 0; return; }
        ctx.Response.ContentLength = 2;
        await ctx.Response.WriteAsync("OK");
    }

    public static string QuaiVersion =>
        typeof(SystemEndpoints).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    private static string KernelVersion() => ReadTrimmed("/proc/sys/kernel/osrelease") ?? "";

    private static string? ReadTrimmed(string path)
    {
        try { return File.ReadAllText(path).Trim(); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    private static string Arch => System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "amd64",
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        System.Runtime.InteropServices.Architecture.Arm => "arm",
        var a => a.ToString().ToLowerInvariant(),
    };

    private static Task Version(HttpContext ctx) => Reply.Json(ctx, w =>
    {
        w.WriteStartObject();
        w.WriteStartObject("Platform");
        w.WriteString("Name", "Quai Engine");
        w.WriteEndObject();
        w.WriteStartArray("Components");
        w.WriteStartObject();
        w.WriteString("Name", "Engine");
        w.WriteString("Version", ApiVersion.EngineVersion);
        w.WriteStartObject("Details");
        w.WriteString("ApiVersion", ApiVersion.Current);
        w.WriteString("Arch", Arch);
        w.WriteString("BuildTime", "");
        w.WriteString("Experimental", "false");
        w.WriteString("GitCommit", "");
        w.WriteString("GoVersion", "");
        w.WriteString("KernelVersion", KernelVersion());
        w.WriteString("MinAPIVersion", ApiVersion.Minimum);
        w.WriteString("Os", "linux");
        w.WriteString("QuaiVersion", QuaiVersion);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteString("Version", ApiVersion.EngineVersion);
        w.WriteString("ApiVersion", ApiVersion.Current);
        w.WriteString("MinAPIVersion", ApiVersion.Minimum);
        w.WriteString("GitCommit", "quai-" + QuaiVersion);
        w.WriteString("GoVersion", $".NET {Environment.Version}");
        w.WriteString("Os", "linux");
        w.WriteString("Arch", Arch);
        w.WriteString("KernelVersion", KernelVersion());
        w.WriteString("BuildTime", "");
        w.WriteEndObject();
    });

    private static long MemTotal()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
                if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException) { }
        return 0;
    }

    private static string OperatingSystem()
    {
        try
        {
            foreach (var line in File.ReadLines("/etc/os-release"))
                if (line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal)) return line["PRETTY_NAME=".Length..].Trim('"');
        }
        catch (IOException) { }
        return "Linux";
    }

    private static async Task Info(HttpContext ctx, DaemonServer daemon)
    {
        using var engine = daemon.OpenEngine();
        var containers = engine.List();
        var images = engine.Images.List();
        var snapshotter = engine.Images.Snapshotter.Name;
        var cgroup2 = File.Exists("/sys/fs/cgroup/cgroup.controllers");
        await Reply.Json(ctx, w =>
        {
            w.WriteStartObject();
            w.WriteString("ID", "");
            w.WriteNumber("Containers", containers.Count);
            w.WriteNumber("ContainersRunning", containers.Count(c => c.State.Status == "running"));
            w.WriteNumber("ContainersPaused", containers.Count(c => c.State.Status == "paused"));
            w.WriteNumber("ContainersStopped", containers.Count(c => c.State.Status is not ("running" or "paused")));
            w.WriteNumber("Images", images.Count);
            w.WriteString("Driver", engine.Images.Snapshotter is Quai.Images.Snapshots.OverlaySnapshotter ? "overlay2" : "vfs");
            w.WriteStartArray("DriverStatus");
            w.WriteStartArray(); w.WriteStringValue("Snapshotter"); w.WriteStringValue(snapshotter); w.WriteEndArray();
            w.WriteEndArray();
            w.WriteStartObject("Plugins");
            Reply.StringList(w, "Volume", ["local"]);
            Reply.StringList(w, "Network", ["host", "null"]);
            Reply.StringList(w, "Authorization", null);
            Reply.StringList(w, "Log", ["json-file"]);
            w.WriteEndObject();
            w.WriteBoolean("MemoryLimit", true);
            w.WriteBoolean("SwapLimit", true);
            w.WriteBoolean("CpuCfsPeriod", true);
            w.WriteBoolean("CpuCfsQuota", true);
            w.WriteBoolean("CPUShares", true);
            w.WriteBoolean("CPUSet", true);
            w.WriteBoolean("PidsLimit", true);
            w.WriteBoolean("IPv4Forwarding", true);
            w.WriteBoolean("Debug", false);
            w.WriteNumber("NFd", Directory.EnumerateFileSystemEntries("/proc/self/fd").Count());
            w.WriteBoolean("OomKillDisable", false);
            w.WriteNumber("NGoroutines", System.Threading.ThreadPool.ThreadCount);
            w.WriteString("SystemTime", DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("LoggingDriver", "json-file");
            w.WriteString("CgroupDriver", "cgroupfs");
            w.WriteString("CgroupVersion", cgroup2 ? "2" : "1");
            w.WriteNumber("NEventsListener", 0);
            w.WriteString("KernelVersion", KernelVersion());
            w.WriteString("OperatingSystem", OperatingSystem());
            w.WriteString("OSVersion", "");
            w.WriteString("OSType", "linux");
            w.WriteString("Architecture", System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.X64 ? "x86_64" : Arch);
            w.WriteString("IndexServerAddress", "https://index.docker.io/v1/");
            w.WriteStartObject("RegistryConfig");
            Reply.StringList(w, "InsecureRegistryCIDRs", ["::1/128", "127.0.0.0/8"]);
            w.WriteStartObject("IndexConfigs");
            w.WriteEndObject();
            Reply.StringList(w, "Mirrors", []);
            w.WriteEndObject();
            w.WriteNumber("NCPU", Environment.ProcessorCount);
            w.WriteNumber("MemTotal", MemTotal());
            w.WriteString("DockerRootDir", engine.Root);
            w.WriteString("HttpProxy", Environment.GetEnvironmentVariable("HTTP_PROXY") ?? "");
            w.WriteString("HttpsProxy", Environment.GetEnvironmentVariable("HTTPS_PROXY") ?? "");
            w.WriteString("NoProxy", Environment.GetEnvironmentVariable("NO_PROXY") ?? "");
            w.WriteString("Name", Environment.MachineName);
            Reply.StringList(w, "Labels", []);
            w.WriteBoolean("ExperimentalBuild", false);
            w.WriteString("ServerVersion", ApiVersion.EngineVersion);
            w.WriteStartObject("Runtimes");
            w.WriteStartObject("quai-runtime");
            w.WriteString("path", "quai-runtime");
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteString("DefaultRuntime", "quai-runtime");
            w.WriteStartObject("Swarm");
            w.WriteString("NodeID", "");
            w.WriteString("NodeAddr", "");
            w.WriteString("LocalNodeState", "inactive");
            w.WriteBoolean("ControlAvailable", false);
            w.WriteString("Error", "");
            w.WriteNull("RemoteManagers");
            w.WriteEndObject();
            w.WriteBoolean("LiveRestoreEnabled", true);
            w.WriteString("Isolation", "");
            w.WriteString("InitBinary", "");
            w.WriteStartObject("ContainerdCommit"); w.WriteString("ID", ""); w.WriteEndObject();
            w.WriteStartObject("RuncCommit"); w.WriteString("ID", ""); w.WriteEndObject();
            w.WriteStartObject("InitCommit"); w.WriteString("ID", ""); w.WriteEndObject();
            Reply.StringList(w, "SecurityOptions", ["name=seccomp,profile=builtin"]);
            Reply.StringList(w, "Warnings", []);
            w.WriteEndObject();
        });
    }
}
