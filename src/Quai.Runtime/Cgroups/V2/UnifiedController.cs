using Quai.Interop;
using Quai.Oci.Runtime;

namespace Quai.Runtime.Cgroups.V2;

/// <summary>The OCI "unified" map: file name → value, written last so it can override converted values.</summary>
internal sealed class UnifiedController : IController
{
    public string Name => "unified";
    public bool IsRequested(Resources r) => r.Unified is { Count: > 0 };

    public void Apply(string dir, Resources r)
    {
        foreach (var (key, value) in r.Unified ?? new())
        {
            if (key.Length == 0 || key.Contains('/') || key == "." || key == "..")
                throw new CgroupException($"unified resource \"{key}\": invalid file name");
            try { CgroupFile.Write(dir, key, value); }
            catch (ErrnoException e) when (e.Code is Errno.ENOENT or Errno.EACCES)
            {
                string ctrl = key.Contains('.') ? key[..key.IndexOf('.')] : key;
                string available = CgroupFile.TryRead(dir, "cgroup.controllers")?.Trim() ?? "";
                throw new CgroupException($"{e.Message}; unified resource \"{key}\": the \"{ctrl}\" controller is not available in {dir} (enabled: \"{available}\")", e);
            }
        }
    }

    public void GetStats(string dir, CgroupStats stats) { }
}
