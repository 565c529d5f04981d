namespace Quai.Runtime.Containers;

/// <summary>The runtime-spec lifecycle plus runc's paused. Which operation each status allows
/// lives here, in one place.</summary>
public enum ContainerStatus { Creating, Created, Running, Paused, Stopped }

public static class ContainerStatusRules
{
    public static string Name(this ContainerStatus s) => s.ToString().ToLowerInvariant();

    public static bool CanStart(this ContainerStatus s) => s == ContainerStatus.Created;
    public static bool CanKill(this ContainerStatus s) => s is ContainerStatus.Created or ContainerStatus.Running or ContainerStatus.Paused;
    public static bool CanDelete(this ContainerStatus s) => s is ContainerStatus.Stopped or ContainerStatus.Creating;
    public static bool CanPause(this ContainerStatus s) => s is ContainerStatus.Running or ContainerStatus.Created;
    public static bool CanResume(this ContainerStatus s) => s == ContainerStatus.Paused;
    public static bool CanExec(this ContainerStatus s) => s is ContainerStatus.Running or ContainerStatus.Created;
}
