using Quai.Oci.Runtime;

namespace Quai.Runtime.Cgroups.V1;

/// <summary>rdma.max (same syntax on v1 and v2).</summary>
internal sealed class RdmaController : IController
{
    public string Name => "rdma";
    public bool IsRequested(Resources r) => r.Rdma is { Count: > 0 };

    public void Apply(string dir, Resources r)
    {
        foreach (var (device, limit) in r.Rdma ?? new())
        {
            var parts = new List<string>();
            if (limit.HcaHandles is uint h) parts.Add($"hca_handle={h}");
            if (limit.HcaObjects is uint o) parts.Add($"hca_object={o}");
            if (parts.Count == 0) continue;
            CgroupFile.Write(dir, "rdma.max", device + " " + string.Join(' ', parts));
        }
    }

    public void GetStats(string dir, CgroupStats stats) { }
}
