using System.Net;
using Quai.Engine.Containers;

namespace Quai.Build.Executor;

/// <summary>A <c>--secret</c>: where the value of secret <see cref="Id"/> comes from, a file on the host or an
/// environment variable of the caller. Read only when a RUN mounts it; never written to the store except as
/// the file a RUN container sees during that step.</summary>
public sealed record BuildSecret(string Id, string? FilePath, string? Env)
{
    /// <summary>BuildKit's limit on one secret.</summary>
    public const int MaxSize = 500 * 1024;

    /// <summary>The secret's bytes; null when its environment variable is not set (the secret is missing).</summary>
    /// <exception cref="FormatException">the file is larger than <see cref="MaxSize"/>.</exception>
    public byte[]? Read()
    {
        if (Env is not null)
            return Environment.GetEnvironmentVariable(Env) is { } v ? System.Text.Encoding.UTF8.GetBytes(v) : null;
        using var f = new FileStream(FilePath!, FileMode.Open, FileAccess.Read);
        if (f.Length > MaxSize) throw new FormatException($"secret {Id} too big. max size 500KB");
        var data = new byte[f.Length];
        f.ReadExactly(data);
        return data;
    }
}

/// <summary>A <c>--ssh</c>: the agent socket RUN --mount=type=ssh,id=<see cref="Id"/> reaches.</summary>
public sealed record BuildSsh(string Id, string Socket);

/// <summary>The build flags that shape RUN containers, parsed as docker buildx parses them.</summary>
public static class BuildFlagParser
{
    private static readonly HashSet<string> UlimitNames = new(StringComparer.Ordinal)
    {
        "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack",
    };

    /// <summary><c>--secret id=ID[,src=PATH|,env=VAR][,type=file|env]</c> (src/source; type=env takes src as the
    /// variable's name). With neither src nor env, the value comes from the variable named ID if it is set, else
    /// from the file named ID, as BuildKit's secrets provider does. A file must exist.</summary>
    /// <exception cref="FormatException">docker's message for a bad value.</exception>
    public static BuildSecret ParseSecret(string value, Func<string, string?> getenv)
    {
        string? id = null, src = null, env = null, type = null;
        List<string> fields;
        try { fields = Syntax.CsvFields.Parse(value, "secret"); }
        catch (Syntax.SyntaxError e) { throw new FormatException(e.Message); }
        foreach (var field in fields)
        {
            var eq = field.IndexOf('=');
            if (eq < 0) throw new FormatException($"invalid field '{field}' must be a key=value pair");
            var key = field[..eq].ToLowerInvariant();
            var v = field[(eq + 1)..];
            switch (key)
            {
                case "type":
                    if (v is not ("file" or "env")) throw new FormatException($"unsupported secret type \"{v}\"");
                    type = v;
                    break;
                case "id": id = v; break;
                case "source" or "src": src = v; break;
                case "env": env = v; break;
                default: throw new FormatException($"unexpected key '{key}' in '{field}'");
            }
        }
        if (type == "env" && string.IsNullOrEmpty(env)) { env = src; src = null; }
        if (string.IsNullOrEmpty(id)) throw new FormatException("secret missing ID");
        if (string.IsNullOrEmpty(env) && string.IsNullOrEmpty(src))
        {
            if (getenv(id) is not null) env = id;
            else src = id;
        }
        if (!string.IsNullOrEmpty(env)) return new BuildSecret(id, null, env);
        var path = Path.GetFullPath(src!);
        if (!File.Exists(path)) throw new FormatException($"failed to stat {src}: no such file or directory");
        if (new FileInfo(path).Length > BuildSecret.MaxSize) throw new FormatException($"secret {id} too big. max size 500KB");
        return new BuildSecret(id, path, null);
    }

    /// <summary><c>--ssh default|ID[=SOCKET]</c>: without a path, the caller's SSH_AUTH_SOCK. The path must be an
    /// agent's socket (key files are not loaded into an agent of Quai's own).</summary>
    /// <exception cref="FormatException">docker's message for a bad value.</exception>
    public static BuildSsh ParseSsh(string value, Func<string, string?> getenv)
    {
        var eq = value.IndexOf('=');
        var id = eq < 0 ? value : value[..eq];
        if (id.Length == 0) throw new FormatException($"invalid ssh value \"{value}\": missing id");
        var paths = eq < 0 ? [] : value[(eq + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries);
        if (paths.Length == 0)
        {
            var sock = getenv("SSH_AUTH_SOCK");
            if (string.IsNullOrEmpty(sock)) throw new FormatException("invalid empty ssh agent socket: make sure SSH_AUTH_SOCK is set");
            paths = [sock];
        }
        if (paths.Length > 1) throw new FormatException($"invalid ssh value \"{value}\": only one agent socket per id (key files are not supported)");
        var path = Path.GetFullPath(paths[0]);
        if (!Quai.Interop.NativeFs.TryFstatAt(Quai.Interop.NativeFs.AT_FDCWD, path, 0, out var st))
            throw new FormatException($"failed to stat {paths[0]}: no such file or directory");
        if ((st.Mode & 0xF000) != 0xC000)
            throw new FormatException($"ssh {id}: {paths[0]} is not an agent socket (loading key files is not supported; add the key to an ssh-agent and give its socket)");
        return new BuildSsh(id, path);
    }

    /// <summary><c>--ulimit NAME=SOFT[:HARD]</c> (docker's names; -1 is unlimited).</summary>
    /// <exception cref="FormatException">docker's message for a bad value.</exception>
    public static Ulimit ParseUlimit(string value)
    {
        var eq = value.IndexOf('=');
        if (eq < 0) throw new FormatException($"invalid ulimit argument: {value}");
        var name = value[..eq];
        if (!UlimitNames.Contains(name)) throw new FormatException($"invalid ulimit type: {name}");
        var lim = value[(eq + 1)..].Split(':');
        if (lim.Length > 2 || !long.TryParse(lim[0], out var soft) || lim.Length > 1 && !long.TryParse(lim[1], out _))
            throw new FormatException($"invalid ulimit argument: {value}");
        var hard = lim.Length > 1 ? long.Parse(lim[1]) : soft;
        if (soft > hard && hard != -1 || soft == -1 && hard != -1)
            throw new FormatException($"ulimit soft limit must be less than or equal to hard limit: {soft} > {hard}");
        return new Ulimit { Name = name, Soft = soft, Hard = hard };
    }

    /// <summary><c>--add-host HOST:IP</c> (or HOST=IP); IP may be <c>host-gateway</c>. Returns "HOST:IP".</summary>
    /// <exception cref="FormatException">docker's message for a bad value.</exception>
    public static string ParseAddHost(string value)
    {
        var sep = value.IndexOf('=');
        if (sep < 0) sep = value.IndexOf(':');
        if (sep <= 0 || sep == value.Length - 1) throw new FormatException($"bad format for add-host: \"{value}\"");
        var host = value[..sep];
        var ip = value[(sep + 1)..];
        if (ip.StartsWith('[') && ip.EndsWith(']')) ip = ip[1..^1];
        if (ip != "host-gateway" && !IPAddress.TryParse(ip, out _)) throw new FormatException($"invalid IP address in add-host: \"{ip}\"");
        if (host.Any(c => char.IsWhiteSpace(c) || c == '#')) throw new FormatException($"bad format for add-host: \"{value}\"");
        return host + ":" + ip;
    }

    /// <summary><c>--network default|none|host</c>: what BuildKit runs.</summary>
    /// <exception cref="FormatException">any other mode.</exception>
    public static string ParseNetwork(string value) => value switch
    {
        "" or "default" => "default",
        "none" => "none",
        "host" => "host",
        _ => throw new FormatException($"network mode \"{value}\" not supported by buildkit"),
    };
}
