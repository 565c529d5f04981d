using System.Text.Json;
using System.Text.Json.Serialization;
using Quai.Engine.Containers;

namespace Quai.Daemon.Api;

/// <summary>POST /containers/create's body (Docker's Config with HostConfig inside) as the engine's
/// <see cref="RunOptions"/>: the same options `quai create` reads from its flags.</summary>
public static class CreateRequest
{
    public static RunOptions Parse(JsonElement body, string? name, string? platform)
    {
        if (body.ValueKind != JsonValueKind.Object) throw new ApiException(400, "invalid JSON: the container config must be an object");
        var image = Reply.String(body, "Image");
        if (string.IsNullOrEmpty(image)) throw new ApiException(400, "no image specified: Config.Image is required");
        var o = new RunOptions
        {
            Image = image, Name = string.IsNullOrEmpty(name) ? null : name, Platform = string.IsNullOrEmpty(platform) ? null : platform,
            Cmd = Reply.Strings(body, "Cmd") ?? [],
            Env = Reply.Strings(body, "Env") ?? [],
            User = Empty(Reply.String(body, "User")), WorkingDir = Empty(Reply.String(body, "WorkingDir")),
            Hostname = Empty(Reply.String(body, "Hostname")),
            Tty = Reply.BoolOf(body, "Tty"), Interactive = Reply.BoolOf(body, "OpenStdin"),
            Detach = !(Reply.BoolOf(body, "AttachStdout") || Reply.BoolOf(body, "AttachStderr") || Reply.BoolOf(body, "AttachStdin")),
            StopSignal = Empty(Reply.String(body, "StopSignal")),
            StopTimeout = Reply.Get(body, "StopTimeout") is { ValueKind: JsonValueKind.Number } st ? st.GetInt32() : null,
        };
        // Docker's Entrypoint is a list; the engine takes one program (or "" for none) and the rest as arguments
        if (Reply.Strings(body, "Entrypoint") is { Count: > 0 } ep)
        {
            o.Entrypoint = ep[0];
            if (ep.Count > 1) o.Cmd = [.. ep.Skip(1), .. o.Cmd];
        }
        foreach (var (k, v) in Reply.Map(body, "Labels") ?? []) o.Labels[k] = v;
        if (Reply.Get(body, "Healthcheck") is { ValueKind: JsonValueKind.Object } hc)
        {
            o.Healthcheck = hc.Deserialize(DaemonJson.Default.HealthConfig);
            if (o.Healthcheck?.Test is ["NONE"]) { o.NoHealthcheck = true; o.Healthcheck = null; }
        }
        if (Reply.Get(body, "Volumes") is { ValueKind: JsonValueKind.Object } vols)
            foreach (var v in vols.EnumerateObject()) o.Volumes.Add(v.Name);

        var host = Reply.Get(body, "HostConfig") is { ValueKind: JsonValueKind.Object } h ? h.Deserialize(DaemonJson.Default.HostConfig) ?? new() : new HostConfig();
        Normalize(host);
        foreach (var b in host.Binds ?? []) o.Volumes.Add(b);
        foreach (var m in host.Mounts ?? [])
        {
            var spec = $"type={m.Type},target={m.Target}";
            if (m.Source.Length > 0) spec += $",source={m.Source}";
            if (m.ReadOnly) spec += ",readonly=true";
            o.Mounts.Add(spec);
        }
        o.VolumesFrom = host.VolumesFrom ?? [];
        o.HostConfig = host;
        return o;
    }

    private static string? Empty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    /// <summary>What the docker CLI sends for "not set" made the engine's defaults, and the checks `quai run` makes on its flags.</summary>
    private static void Normalize(HostConfig h)
    {
        h.NetworkMode = h.NetworkMode switch
        {
            null or "" or "default" or "bridge" or "none" => "none", // networks are not wired to the engine yet: as `quai run`
            "host" => "host",
            var other => throw new NotFoundException($"network {other} not found"),
        };
        h.RestartPolicy ??= new RestartPolicy();
        if (string.IsNullOrEmpty(h.RestartPolicy.Name)) h.RestartPolicy.Name = "no";
        h.LogConfig ??= new LogConfig();
        if (string.IsNullOrEmpty(h.LogConfig.Type)) h.LogConfig.Type = "json-file";
        h.LogConfig.Config ??= [];
        if (h.LogConfig.Type != "json-file") throw new ApiException(400, $"logging driver \"{h.LogConfig.Type}\" is not supported (json-file only)");
        if (h.ShmSize <= 0) h.ShmSize = 64 * 1024 * 1024;
        if (h.Memory is > 0 and < 6 * 1024 * 1024) throw new ApiException(400, "Minimum memory limit allowed is 6MB");
        if (h.NanoCpus < 0 || h.NanoCpus > Environment.ProcessorCount * 1_000_000_000L)
            throw new ApiException(400, $"range of CPUs is from 0.01 to {Environment.ProcessorCount}.00, as there are only {Environment.ProcessorCount} CPUs available");
        if (h.OomScoreAdj is < -1000 or > 1000) throw new ApiException(400, $"Invalid value {h.OomScoreAdj}, range for oom score adj is [-1000, 1000]");
        h.CpusetCpus ??= "";
        h.CpusetMems ??= "";
        if (h.Devices is { Count: 0 }) h.Devices = null;
        if (h.Ulimits is { Count: 0 }) h.Ulimits = null;
    }
}

/// <summary>The daemon's source-generated JSON (no reflection): request bodies read into the engine's types,
/// matched case-insensitively as dockerd (Go) matches them.</summary>
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(HostConfig))]
[JsonSerializable(typeof(Quai.Oci.Image.HealthConfig))]
public sealed partial class DaemonJson : JsonSerializerContext;
