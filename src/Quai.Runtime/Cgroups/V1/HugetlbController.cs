using Quai.Oci.Runtime;

namespace Quai.Runtime.Cgroups.V1;

internal sealed class HugetlbController : IController
{
    public string Name => "hugetlb";
    public bool IsRequested(Resources r) => r.HugepageLimits is { Count: > 0 };

    public void Apply(string dir, Resources r)
    {
        foreach (var h in r.HugepageLimits ?? new())
        {
            CgroupFile.Write(dir, $"hugetlb.{h.PageSize}.limit_in_bytes", CgroupFile.Str(h.Limit));
            // Newer kernels also account reservations; keep both limits in step, as runc does.
            CgroupFile.WriteIfExists(dir, $"hugetlb.{h.PageSize}.rsvd.limit_in_bytes", CgroupFile.Str(h.Limit));
        }
    }

    public void GetStats(string dir, CgroupStats stats)
    {
        if (!Directory.Exists(dir)) return;
        foreach (var f in Directory.EnumerateFiles(dir, "hugetlb.*.usage_in_bytes"))
        {
            var name = Path.GetFileName(f);
            var size = name["hugetlb.".Length..^".usage_in_bytes".Length];
            if (size.Contains('.')) continue; // rsvd
            stats.Hugetlb[size] = new HugetlbStats
            {
                Usage = CgroupFile.ReadUintOrZero(dir, $"hugetlb.{size}.usage_in_bytes"),
                Max = CgroupFile.ReadUintOrZero(dir, $"hugetlb.{size}.max_usage_in_bytes"),
                Failcnt = CgroupFile.ReadUintOrZero(dir, $"hugetlb.{size}.failcnt"),
            };
        }
    }
}
