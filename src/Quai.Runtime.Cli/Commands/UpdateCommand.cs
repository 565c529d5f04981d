using Quai.Runtime;
using System.CommandLine;
using System.Text.Json;
using Quai.Oci.Runtime;

namespace Quai.Runtime.Cli.Commands;

/// <summary>`update`: changes a running container's resource limits, from flags or a
/// runtime-spec linux.resources JSON (-r file, "-" for stdin).</summary>
public static class UpdateCommand
{
    public static Command Build()
    {
        var cmd = new Command("update", "update container resource constraints");
        var resources = new Option<string?>("--resources", "-r") { Description = "path to the file containing the resources to update or '-' to read from the standard input" };
        var memory = new Option<string?>("--memory") { Description = "memory limit (in bytes)" };
        var reservation = new Option<string?>("--memory-reservation") { Description = "memory reservation or soft_limit (in bytes)" };
        var swap = new Option<string?>("--memory-swap") { Description = "total memory usage (memory + swap); set '-1' to enable unlimited swap" };
        var kernel = new Option<string?>("--kernel-memory") { Description = "kernel memory limit (in bytes)", Hidden = true };
        var shares = new Option<ulong?>("--cpu-share", "--cpu-shares") { Description = "CPU shares (relative weight vs. other containers)" }; // runc spells it --cpu-share
        var quota = new Option<long?>("--cpu-quota") { Description = "CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period" };
        var period = new Option<ulong?>("--cpu-period") { Description = "CPU CFS period to be used for hardcapping (in usecs). 0 to use system default" };
        var rtRuntime = new Option<long?>("--cpu-rt-runtime") { Description = "CPU realtime hardcap limit (in usecs)" };
        var rtPeriod = new Option<ulong?>("--cpu-rt-period") { Description = "CPU realtime period to be used for hardcapping (in usecs)" };
        var cpus = new Option<string?>("--cpuset-cpus") { Description = "CPU(s) to use" };
        var mems = new Option<string?>("--cpuset-mems") { Description = "memory node(s) to use" };
        var pids = new Option<long?>("--pids-limit") { Description = "maximum number of pids allowed in the container" };
        var blkio = new Option<ushort?>("--blkio-weight") { Description = "specifies per cgroup weight, range is from 10 to 1000" };
        foreach (var o in new Option[] { resources, memory, reservation, swap, kernel, shares, quota, period, rtRuntime, rtPeriod, cpus, mems, pids, blkio })
            cmd.Options.Add(o);
        var id = new Argument<string>("container-id");
        cmd.Arguments.Add(id);
        cmd.SetAction(p => Globals.Run(p, () =>
        {
            Resources r;
            if (p.GetValue(resources) is { } file)
            {
                var bytes = file == "-" ? ReadAll(Console.OpenStandardInput()) : File.ReadAllBytes(file);
                try { r = JsonSerializer.Deserialize(bytes, RuntimeJsonContext.Default.Resources) ?? new Resources(); }
                catch (JsonException e) { throw new RuntimeException($"decode resources {file}: {Containers.ContainerRuntime.DescribeJsonError(e)}"); }
            }
            else r = new Resources();
            MemoryResources Mem() => r.Memory ??= new MemoryResources();
            CpuResources Cpu() => r.Cpu ??= new CpuResources();
            if (p.GetValue(memory) is { } m) Mem().Limit = ParseBytes(m, "--memory");
            if (p.GetValue(reservation) is { } mr) Mem().Reservation = ParseBytes(mr, "--memory-reservation");
            if (p.GetValue(swap) is { } ms) Mem().Swap = ParseBytes(ms, "--memory-swap");
            if (p.GetValue(kernel) is { } km) Mem().Kernel = ParseBytes(km, "--kernel-memory");
            if (p.GetValue(shares) is { } s) Cpu().Shares = s;
            if (p.GetValue(quota) is { } q) Cpu().Quota = q;
            if (p.GetValue(period) is { } pe) Cpu().Period = pe;
            if (p.GetValue(rtRuntime) is { } rr) Cpu().RealtimeRuntime = rr;
            if (p.GetValue(rtPeriod) is { } rp) Cpu().RealtimePeriod = rp;
            if (p.GetValue(cpus) is { } c) Cpu().Cpus = c;
            if (p.GetValue(mems) is { } me) Cpu().Mems = me;
            if (p.GetValue(pids) is { } pl) r.Pids = new PidsResources { Limit = pl };
            if (p.GetValue(blkio) is { } w) r.BlockIO = new BlockIo { Weight = w };
            Globals.Runtime(p).Update(p.GetValue(id)!, r);
            return 0;
        }));
        return cmd;
    }

    /// <summary>Bytes with an optional unit (k, m, g, t; kb, mb…), as docker's RAMInBytes.</summary>
    public static long ParseBytes(string text, string flag)
    {
        var t = text.Trim().ToLowerInvariant();
        if (t == "-1") return -1;
        var i = 0;
        while (i < t.Length && (char.IsAsciiDigit(t[i]) || t[i] == '.')) i++;
        if (i == 0 || !double.TryParse(t[..i], System.Globalization.CultureInfo.InvariantCulture, out var n))
            throw new RuntimeException($"invalid value \"{text}\" for {flag}");
        long mult = t[i..] switch
        {
            "" or "b" => 1, "k" or "kb" or "kib" => 1L << 10, "m" or "mb" or "mib" => 1L << 20,
            "g" or "gb" or "gib" => 1L << 30, "t" or "tb" or "tib" => 1L << 40,
            _ => throw new RuntimeException($"invalid value \"{text}\" for {flag}: unknown unit"),
        };
        return (long)(n * mult);
    }

    private static byte[] ReadAll(Stream s)
    {
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }
}
