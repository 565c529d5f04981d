using System.Globalization;
using Microsoft.AspNetCore.Http;
using Quai.Daemon.Api;
using Quai.Engine.Containers;

namespace Quai.Daemon.Endpoints;

/// <summary>GET /containers/{id}/top: the container's processes (its init and every descendant, host pids as
/// dockerd shows them), read from /proc: the daemon never spawns ps (the reaper owns waitpid here).</summary>
public static class TopEndpoint
{
    public static async Task Top(HttpContext ctx, DaemonServer d)
    {
        if (Reply.Query(ctx, "ps_args") is { Length: > 0 } args && args != "-ef")
            throw new ApiException(400, $"ps_args \"{args}\" are not supported (the processes are read from /proc: -ef only)");
        Container c;
        using (var engine = d.OpenEngine()) c = engine.Inspect((string)ctx.Request.RouteValues["id"]!);
        if (c.State.Status is not ("running" or "paused"))
            throw new ConflictException($"container {c.Id} is not running");
        var rows = Processes(c.State.Pid);
        var hz = 100.0;
        await Reply.Json(ctx, w =>
        {
            w.WriteStartObject();
            Reply.StringList(w, "Titles", ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]);
            w.WriteStartArray("Processes");
            foreach (var p in rows)
            {
                var t = TimeSpan.FromSeconds(p.Ticks / hz);
                w.WriteStartArray();
                w.WriteStringValue(p.Uid);
                w.WriteStringValue(p.Pid.ToString(CultureInfo.InvariantCulture));
                w.WriteStringValue(p.PPid.ToString(CultureInfo.InvariantCulture));
                w.WriteStringValue("0");
                w.WriteStringValue("");
                w.WriteStringValue("?");
                w.WriteStringValue($"{(int)t.TotalHours:00}:{t.Minutes:00}:{t.Seconds:00}");
                w.WriteStringValue(p.Cmd);
                w.WriteEndArray();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private sealed record Proc(int Pid, int PPid, string Uid, long Ticks, string Cmd);

    private static List<Proc> Processes(int init)
    {
        var all = new Dictionary<int, Proc>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var close = stat.LastIndexOf(')');
                var f = stat[(close + 2)..].Split(' ');
                var ppid = int.Parse(f[1], CultureInfo.InvariantCulture);
                var ticks = long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture);
                var uid = File.ReadLines(Path.Combine(dir, "status")).FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal))?
                    .Split('\t', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1) ?? "";
                var cmd = File.ReadAllText(Path.Combine(dir, "cmdline")).TrimEnd('\0').Replace('\0', ' ');
                if (cmd.Length == 0) cmd = "[" + stat[(stat.IndexOf('(') + 1)..close] + "]";
                all[pid] = new Proc(pid, ppid, uid, ticks, cmd);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException) { }
        }
        var result = new List<Proc>();
        if (!all.ContainsKey(init)) return result;
        var wanted = new HashSet<int> { init };
        bool grew;
        do
        {
            grew = false;
            foreach (var p in all.Values)
                if (!wanted.Contains(p.Pid) && wanted.Contains(p.PPid)) { wanted.Add(p.Pid); grew = true; }
        } while (grew);
        return all.Values.Where(p => wanted.Contains(p.Pid)).OrderBy(p => p.Pid).ToList();
    }
}
