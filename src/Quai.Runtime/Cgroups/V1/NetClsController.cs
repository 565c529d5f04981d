using Quai.Oci.Runtime;

namespace Quai.Runtime.Cgroups.V1;

internal sealed class NetClsController : IController
{
    public string Name => "net_cls";
    public bool IsRequested(Resources r) => r.Network?.ClassId is > 0;

    public void Apply(string dir, Resources r)
    {
        if (r.Network?.ClassId is uint id and > 0) CgroupFile.Write(dir, "net_cls.classid", CgroupFile.Str((ulong)id));
    }

    public void GetStats(string dir, CgroupStats stats) { }
}
