using Quai.Oci.Runtime;

namespace Quai.Runtime.Cgroups.V2;

internal sealed class HugetlbController : IController
{
    public string Name => "hugetlb";
    public bool IsRequested(Resources r) => r.HugepageLimits is { Count: > 0 };

    public void Apply(string dir, Resources r)
    {
        foreach (var h in r.HugepageLimits ?? new())
        {
            CgroupFile.Write(dir, $"hugetlb.{h.PageSize}.max", CgroupFile.Str(h.Limit));
            CgroupFile.WriteIfExists(dir, $"hugetlb.{h.PageSize}.rsvd.max", CgroupFile.Str(h.Limit));
        }
    }

    public void GetStats(string dir, CgroupStats stats)
    {
        if (!Directory.Exists(dir)) return;
        foreach (var f in Directory.EnumerateFiles(dir, "hugetlb.*.current"))
        {
            var size = Path.GetFileName(f)["hugetlb.".Length..^".current".Length];
            if (size.Contains('.')) continue;
            stats.Hugetlb[size] = new HugetlbStats
            {
                Usage = CgroupFile.ReadUintOrZero(dir, $"hugetlb.{size}.current"),
                Max = 0, // v2 has no peak counter
                Failcnt = CgroupFile.ReadKeyValues(dir, $"hugetlb.{size}.events").GetValueOrDefault("max"),
            };
        }
    }
}
