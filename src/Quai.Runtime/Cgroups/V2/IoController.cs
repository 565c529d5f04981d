using Quai.Oci.Runtime;

namespace Quai.Runtime.Cgroups.V2;

/// <summary>
/// io.bfq.weight (raw blkio weight, when BFQ is in use) or io.weight (converted 10..1000 → 1..10000),
/// per-device weights likewise, and io.max "MAJ:MIN rbps=N" etc. (rate 0 → "max").
/// </summary>
internal sealed class IoController : IController
{
    public string Name => "io";

    public bool IsRequested(Resources r) => r.BlockIO is { } b &&
        (b.Weight is > 0 || b.WeightDevice is { Count: > 0 } || b.ThrottleReadBpsDevice is { Count: > 0 } ||
         b.ThrottleWriteBpsDevice is { Count: > 0 } || b.ThrottleReadIopsDevice is { Count: > 0 } || b.ThrottleWriteIopsDevice is { Count: > 0 });

    public void Apply(string dir, Resources r)
    {
        var b = r.BlockIO;
        if (b == null) return;
        bool bfq = CgroupFile.Exists(dir, "io.bfq.weight");
        if (b.Weight is ushort w and > 0)
        {
            if (bfq) CgroupFile.Write(dir, "io.bfq.weight", CgroupFile.Str((ulong)w));
            else CgroupFile.Write(dir, "io.weight", CgroupFile.Str(Conversions.BlkioWeightToIoWeight(w)));
        }
        foreach (var wd in b.WeightDevice ?? new())
        {
            if (wd.Weight is not ushort dw || dw == 0) continue;
            if (bfq) CgroupFile.Write(dir, "io.bfq.weight", $"{wd.Major}:{wd.Minor} {dw}");
            else CgroupFile.Write(dir, "io.weight", $"{wd.Major}:{wd.Minor} {Conversions.BlkioWeightToIoWeight(dw)}");
        }
        // leafWeight has no v2 equivalent and is ignored.
        Throttle(dir, "rbps", b.ThrottleReadBpsDevice);
        Throttle(dir, "wbps", b.ThrottleWriteBpsDevice);
        Throttle(dir, "riops", b.ThrottleReadIopsDevice);
        Throttle(dir, "wiops", b.ThrottleWriteIopsDevice);
    }

    private static void Throttle(string dir, string key, List<ThrottleDevice>? devs)
    {
        foreach (var d in devs ?? new())
            CgroupFile.Write(dir, "io.max", $"{d.Major}:{d.Minor} {key}={(d.Rate == 0 ? "max" : CgroupFile.Str(d.Rate))}");
    }

    public void GetStats(string dir, CgroupStats stats)
    {
        var text = CgroupFile.TryRead(dir, "io.stat");
        if (text == null) return;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var mm = f[0].Split(':');
            if (mm.Length != 2 || !ulong.TryParse(mm[0], out var major) || !ulong.TryParse(mm[1], out var minor)) continue;
            foreach (var kv in f.Skip(1))
            {
                int eq = kv.IndexOf('=');
                if (eq < 0 || !ulong.TryParse(kv[(eq + 1)..], out var v)) continue;
                var (list, op) = kv[..eq] switch
                {
                    "rbytes" => (stats.Blkio.IoServiceBytesRecursive, "Read"),
                    "wbytes" => (stats.Blkio.IoServiceBytesRecursive, "Write"),
                    "dbytes" => (stats.Blkio.IoServiceBytesRecursive, "Discard"),
                    "rios" => (stats.Blkio.IoServicedRecursive, "Read"),
                    "wios" => (stats.Blkio.IoServicedRecursive, "Write"),
                    "dios" => (stats.Blkio.IoServicedRecursive, "Discard"),
                    _ => (null, ""),
                };
                list?.Add(new BlkioEntry { Major = major, Minor = minor, Op = op, Value = v });
            }
        }
    }
}
