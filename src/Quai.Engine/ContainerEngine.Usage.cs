using Quai.Engine.Files;
using Quai.Fs;
using Quai.Images;

namespace Quai.Engine;

/// <summary>One row of <c>docker system df</c>: how many, how many in use, their bytes, and the bytes of those not in use.</summary>
public sealed record UsageRow(int Total, int Active, long Size, long Reclaimable);

/// <summary>What <c>system df</c> shows: every kind of thing the store holds.</summary>
public sealed record DiskUsage(UsageRow Images, UsageRow Containers, UsageRow Volumes, UsageRow BuildCache);

public sealed partial class ContainerEngine
{
    /// <summary>The store's disk usage by kind. Containers count their writable layers (running ones are active),
    /// volumes their contents (those a container mounts are active); both are walked without following the
    /// symlinks containers put there (<see cref="TreeWalk"/>). A layer that cannot be read counts as empty.</summary>
    public DiskUsage DiskUsage()
    {
        var img = Images.DiskUsage();
        var containers = List();
        long cSize = 0, cFree = 0;
        int running = 0;
        foreach (var c in containers)
        {
            long size;
            try { size = ContainerChanges.WritableSize(c); }
            catch (IOException) { size = 0; }
            cSize += size;
            if (IsActive(c.State)) running++;
            else cFree += size;
        }
        var mounted = containers.SelectMany(c => c.Mounts).Where(m => m.Type == "volume" && m.Name is not null).Select(m => m.Name!).ToHashSet();
        long vSize = 0, vFree = 0;
        var volumes = Volumes.List();
        foreach (var v in volumes)
        {
            long size;
            try { size = TreeWalk.Usage(v.Mountpoint); }
            catch (IOException) { size = 0; }
            vSize += size;
            if (!mounted.Contains(v.Name)) vFree += size;
        }
        return new DiskUsage(
            new UsageRow(img.Total, img.Active, img.Size, img.Reclaimable),
            new UsageRow(containers.Count, running, cSize, cFree),
            new UsageRow(volumes.Count, volumes.Count(v => mounted.Contains(v.Name)), vSize, vFree),
            new UsageRow(0, 0, 0, 0));
    }
}
