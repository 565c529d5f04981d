using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Quai.Cli.Output;
using Quai.Engine.Containers;
using Quai.Engine.Specs;
using Units = Quai.Engine.Specs.Units;
using HumanUnits = Quai.Cli.Output.Units;
using Quai.Oci.Runtime;

namespace Quai.Cli.Commands.Containers;

/// <summary>top, stats, update.</summary>
public static class InfoCommands
{
    public static Command Top(CliContext cli)
    {
        var target = new Argument<string>("CONTAINER");
        var psArgs = new Argument<string[]>("ps OPTIONS") { Arity = ArgumentArity.ZeroOrMore };
        var cmd = new Command("top", "Display the running processes of a container") { target, psArgs };
        cmd.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            var c = engine.Inspect(p.GetValue(target)!);
            if (c.State.Status is not ("running" or "paused")) throw new ConflictException($"container {c.Id} is not running");
            var pids = engine.Runtime.Pids(c.Id).ToHashSet();
            var args = p.GetValue(psArgs) is { Length: > 0 } a ? a : ["-ef"];
            var psi = new ProcessStartInfo("ps") { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var x in args) psi.ArgumentList.Add(x);
            using var ps = System.Diagnostics.Process.Start(psi)!;
            var lines = ps.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            ps.WaitForExit();
            if (lines.Length == 0) return 0;
            var header = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var pidCol = Array.IndexOf(header, "PID");
            if (pidCol < 0) throw new EngineUsageException("Couldn't find PID field in ps output");
            var table = new TableWriter();
            table.AddRow(header);
            foreach (var line in lines.Skip(1))
            {
                var f = line.Split(' ', header.Length, StringSplitOptions.RemoveEmptyEntries);
                if (f.Length > pidCol && int.TryParse(f[pidCol], out var pid) && pids.Contains(pid))
                {
                    var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    var row = fields.Take(header.Length - 1).Append(string.Join(' ', fields.Skip(header.Length - 1))).ToArray();
                    table.AddRow(row);
                }
            }
            table.WriteTo(cli.Out);
            return 0;
        }));
        return cmd;
    }

    public static Command Stats(CliContext cli)
    {
        var noStream = new Option<bool>("--no-stream") { Description = "Disable streaming stats and only pull the first result" };
        var all = new Option<bool>("--all", "-a") { Description = "Show all containers (default shows just running)" };
        var noTrunc = new Option<bool>("--no-trunc") { Description = "Do not truncate output" };
        var format = new Option<string?>("--format") { Description = "Format output using a custom template" };
        var targets = new Argument<string[]>("CONTAINER") { Arity = ArgumentArity.ZeroOrMore };
        var cmd = new Command("stats", "Display a live stream of container(s) resource usage statistics") { noStream, all, noTrunc, format, targets };
        cmd.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            var names = p.GetValue(targets) ?? [];
            var list = names.Length > 0 ? names.Select(engine.Inspect).ToList()
                : engine.List().Where(c => p.GetValue(all) || c.State.Running).ToList();
            while (true)
            {
                var before = list.ToDictionary(c => c.Id, c => Sample(engine, c));
                var t0 = DateTime.UtcNow;
                Thread.Sleep(500);
                var elapsedNs = (DateTime.UtcNow - t0).Ticks * 100.0;
                var rows = new List<object?>();
                var given = names.Length > 0 ? names : list.Select(c => p.GetValue(noTrunc) ? c.Id : c.ShortId).ToArray();
                for (int i = 0; i < list.Count; i++)
                {
                    var c = list[i];
                    var id = p.GetValue(noTrunc) ? c.Id : c.ShortId;
                    var a = before[c.Id];
                    var b = Sample(engine, c);
                    if (a is null || b is null)
                    {
                        rows.Add(StatsRow(given[i], id, c.PlainName, "0.00%", "0B / 0B", "0.00%", "0B / 0B", "0B / 0B", "0"));
                        continue;
                    }
                    var cpu = (b.Cpu.Usage.Total - a.Cpu.Usage.Total) / elapsedNs * 100.0;
                    var used = b.Memory.Usage.Usage - Math.Min(b.Memory.Usage.Usage, b.Memory.Raw.GetValueOrDefault("total_inactive_file", b.Memory.Raw.GetValueOrDefault("inactive_file")));
                    var limit = b.Memory.Usage.Limit is 0 or > (1UL << 62) ? HostMemory() : b.Memory.Usage.Limit;
                    ulong rd = 0, wr = 0;
                    foreach (var e in b.Blkio.IoServiceBytesRecursive ?? [])
                    {
                        if (string.Equals(e.Op, "read", StringComparison.OrdinalIgnoreCase)) rd += e.Value;
                        if (string.Equals(e.Op, "write", StringComparison.OrdinalIgnoreCase)) wr += e.Value;
                    }
                    rows.Add(StatsRow(given[i], id, c.PlainName, cpu.ToString("F2", CultureInfo.InvariantCulture) + "%",
                        $"{BinarySize(used)} / {BinarySize(limit)}", (limit == 0 ? 0 : 100.0 * used / limit).ToString("F2", CultureInfo.InvariantCulture) + "%",
                        "0B / 0B", $"{HumanUnits.HumanSize(rd)} / {HumanUnits.HumanSize(wr)}", b.Pids.Current.ToString()));
                }
                var text = new StringWriter();
                TemplateOutput.WriteList(text, p.GetValue(format), DefaultStatsTable, rows, StatsHeaders);
                if (!p.GetValue(noStream)) cli.Out.Write("\u001b[2J\u001b[H");
                cli.Out.Write(text.ToString());
                if (p.GetValue(noStream)) return 0;
            }
        }));
        return cmd;
    }

    private const string DefaultStatsTable = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";

    private static readonly Dictionary<string, string> StatsHeaders = new()
    {
        ["Container"] = "CONTAINER", ["ID"] = "CONTAINER ID", ["Name"] = "NAME", ["CPUPerc"] = "CPU %", ["MemUsage"] = "MEM USAGE / LIMIT",
        ["MemPerc"] = "MEM %", ["NetIO"] = "NET I/O", ["BlockIO"] = "BLOCK I/O", ["PIDs"] = "PIDS",
    };

    /// <summary>docker's stats row context; <c>{{json .}}</c> prints its fields sorted by name.</summary>
    private static object StatsRow(string container, string id, string name, string cpu, string mem, string memPerc, string net, string block, string pids) =>
        TemplateOutput.Row("*container.statsContext", TemplateOutput.ToElement(w =>
        {
            w.WriteStartObject();
            w.WriteString("BlockIO", block);
            w.WriteString("CPUPerc", cpu);
            w.WriteString("Container", container);
            w.WriteString("ID", id);
            w.WriteString("MemPerc", memPerc);
            w.WriteString("MemUsage", mem);
            w.WriteString("Name", name);
            w.WriteString("NetIO", net);
            w.WriteString("PIDs", pids);
            w.WriteEndObject();
        }));

    private static Quai.Runtime.Cgroups.CgroupStats? Sample(Quai.Engine.ContainerEngine engine, Container c)
    {
        try { return c.State.Running ? engine.Runtime.Stats(c.Id, out _) : null; }
        catch (Exception) { return null; }
    }

    private static ulong HostMemory()
    {
        foreach (var line in File.ReadLines("/proc/meminfo"))
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                return ulong.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        return 0;
    }

    /// <summary>go-units BytesSize: binary units with 3 significant digits (1.5MiB).</summary>
    public static string BinarySize(double size)
    {
        string[] u = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        var i = 0;
        while (size >= 1024 && i < u.Length - 1) { size /= 1024; i++; }
        return size.ToString("G3", CultureInfo.InvariantCulture) + u[i];
    }

    public static Command Update(CliContext cli)
    {
        var memory = new Option<string?>("--memory", "-m") { Description = "Memory limit" };
        var memorySwap = new Option<string?>("--memory-swap") { Description = "Swap limit equal to memory plus swap" };
        var cpus = new Option<string?>("--cpus") { Description = "Number of CPUs" };
        var shares = new Option<long?>("--cpu-shares", "-c") { Description = "CPU shares (relative weight)" };
        var pids = new Option<long?>("--pids-limit") { Description = "Tune container pids limit (set -1 for unlimited)" };
        var restart = new Option<string?>("--restart") { Description = "Restart policy to apply when a container exits" };
        var targets = new Argument<string[]>("CONTAINER") { Arity = ArgumentArity.OneOrMore };
        var cmd = new Command("update", "Update configuration of one or more containers") { memory, memorySwap, cpus, shares, pids, restart, targets };
        cmd.SetAction(p =>
        {
            long? mem = null, swap = null, nano = null;
            try
            {
                if (p.GetValue(memory) is { } m) mem = Units.RamInBytes(m);
                if (p.GetValue(memorySwap) is { } s) swap = s == "-1" ? -1 : Units.RamInBytes(s);
                if (p.GetValue(cpus) is { } c) nano = (long)(decimal.Parse(c, CultureInfo.InvariantCulture) * 1_000_000_000m);
                if (p.GetValue(restart) is { } r) Quai.Engine.Monitor.RestartManager.Parse(r);
            }
            catch (Exception e) { return EngineCli.Fail(cli, e); }
            return EngineCli.ForEach(cli, p, p.GetValue(targets)!, (engine, n) =>
            {
                var id = engine.Store.Resolve(n);
                var c = engine.Inspect(id);
                var res = new Resources();
                if (mem is { } mv) res.Memory = new MemoryResources { Limit = mv, Swap = swap };
                else if (swap is { } sv) res.Memory = new MemoryResources { Swap = sv };
                if (nano is { } nv || p.GetValue(shares) is not null)
                {
                    res.Cpu = new CpuResources { Shares = p.GetValue(shares) is { } sh ? (ulong)sh : null };
                    if (nano is { } nn) { res.Cpu.Period = 100000; res.Cpu.Quota = nn == 0 ? -1 : nn * 100000 / 1_000_000_000; }
                }
                if (p.GetValue(pids) is { } pl) res.Pids = new PidsResources { Limit = pl };
                if (c.State.Running && (res.Memory ?? (object?)res.Cpu ?? res.Pids) is not null) engine.Runtime.Update(id, res);
                engine.Store.Update(id, x =>
                {
                    if (mem is { } m2) x.HostConfig.Memory = m2;
                    if (swap is { } s2) x.HostConfig.MemorySwap = s2;
                    if (nano is { } n2) x.HostConfig.NanoCpus = n2;
                    if (p.GetValue(shares) is { } sh2) x.HostConfig.CpuShares = sh2;
                    if (p.GetValue(pids) is { } p2) x.HostConfig.PidsLimit = p2;
                    if (p.GetValue(restart) is { } r2)
                    {
                        var (name, max) = Quai.Engine.Monitor.RestartManager.Parse(r2);
                        x.HostConfig.RestartPolicy = new RestartPolicy { Name = name, MaximumRetryCount = max };
                    }
                });
            });
        });
        return cmd;
    }
}
