using Quai.Oci.Runtime;

namespace Quai.Runtime.Cgroups.V1;

internal sealed class BlkioController : IController
{
    public string Name => "blkio";

    public bool IsRequested(Resources r) => r.BlockIO is { } b &&
        (b.Weight is > 0 || b.LeafWeight is > 0 || b.WeightDevice is { Count: > 0 } || b.ThrottleReadBpsDevice is { Count: > 0 } ||
         b.ThrottleWriteBpsDevice is { Count: > 0 } || b.ThrottleReadIopsDevice is { Count: > 0 } || b.ThrottleWriteIopsDevice is { Count: > 0 });

    public void Apply(string dir, Resources r)
    {
        var b = r.BlockIO;
        if (b == null) return;
        // Kernels without CFQ expose the BFQ knobs instead (same 1..1000 range).
        bool bfq = !CgroupFile.Exists(dir, "blkio.weight") && CgroupFile.Exists(dir, "blkio.bfq.weight");
        string weightFile = bfq ? "blkio.bfq.weight" : "blkio.weight";
        string weightDevFile = bfq ? "blkio.bfq.weight_device" : "blkio.weight_device";

        if (b.Weight is ushort w and > 0) CgroupFile.Write(dir, weightFile, CgroupFile.Str((ulong)w));
        if (b.LeafWeight is ushort lw and > 0) CgroupFile.Write(dir, "blkio.leaf_weight", CgroupFile.Str((ulong)lw));
        foreach (var wd in b.WeightDevice ?? new())
        {
            if (wd.Weight is ushort dw and > 0) CgroupFile.Write(dir, weightDevFile, $"{wd.Major}:{wd.Minor} {dw}");
            if (wd.LeafWeight is ushort dlw and > 0) CgroupFile.Write(dir, "blkio.leaf_weight_device", $"{wd.Major}:{wd.Minor} {dlw}");
        }
        Throttle(dir, "blkio.throttle.read_bps_device", b.ThrottleReadBpsDevice);
        Throttle(dir, "blkio.throttle.write_bps_device", b.ThrottleWriteBpsDevice);
        Throttle(dir, "blkio.throttle.read_iops_device", b.ThrottleReadIopsDevice);
        Throttle(dir, "blkio.throttle.write_iops_device", b.ThrottleWriteIopsDevice);
    }

    private static void Throttle(string dir, string file, List<ThrottleDevice>? devs)
    {
        foreach (var d in devs ?? new()) CgroupFile.Write(dir, file, $"{d.Major}:{d.Minor} {d.Rate}");
    }

    public void GetStats(string dir, CgroupStats stats)
    {
        var s = stats.Blkio;
        // CFQ files when present, else the BFQ ones, else the throttle layer's counters.
        string? Pick(string name) =>
            CgroupFile.Exists(dir, "blkio." + name) ? "blkio." + name :
            CgroupFile.Exists(dir, "blkio.bfq." + name) ? "blkio.bfq." + name : null;
        s.IoServiceBytesRecursive = ReadEntries(dir, Pick("io_service_bytes_recursive") ?? "blkio.throttle.io_service_bytes_recursive");
        s.IoServicedRecursive = ReadEntries(dir, Pick("io_serviced_recursive") ?? "blkio.throttle.io_serviced_recursive");
        if (Pick("io_queued_recursive") is { } q) s.IoQueuedRecursive = ReadEntries(dir, q);
        if (Pick("io_service_time_recursive") is { } st) s.IoServiceTimeRecursive = ReadEntries(dir, st);
        if (Pick("io_wait_time_recursive") is { } wt) s.IoWaitTimeRecursive = ReadEntries(dir, wt);
        if (Pick("io_merged_recursive") is { } m) s.IoMergedRecursive = ReadEntries(dir, m);
        if (Pick("time_recursive") is { } t) s.IoTimeRecursive = ReadEntries(dir, t);
        if (Pick("sectors_recursive") is { } sec) s.SectorsRecursive = ReadEntries(dir, sec);
    }

    /// <summary>Parses "8:0 Read 1234" / "8:0 1234" lines (the trailing "Total N" line is skipped).</summary>
    internal static List<BlkioEntry> ReadEntries(string dir, string file)
    {
        var list = new List<BlkioEntry>();
        var text = CgroupFile.TryRead(dir, file);
        if (text == null) return list;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 2) continue;
            var mm = f[0].Split(':');
            if (mm.Length != 2 || !ulong.TryParse(mm[0], out var major) || !ulong.TryParse(mm[1], out var minor)) continue;
            var e = new BlkioEntry { Major = major, Minor = minor };
            if (f.Length == 3) { e.Op = f[1]; e.Value = CgroupFile.ParseUint(f[2], file); }
            else e.Value = CgroupFile.ParseUint(f[1], file);
            list.Add(e);
        }
        return list;
    }
}
