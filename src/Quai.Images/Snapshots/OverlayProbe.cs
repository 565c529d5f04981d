using Quai.Interop;

namespace Quai.Images.Snapshots;

/// <summary>Checks whether an overlay with a lower and an upper directory can be mounted under a directory.</summary>
public static class OverlayProbe
{
    public static bool Works(string dir)
    {
        var probe = Path.Combine(dir, $"probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            foreach (var d in new[] { "l", "u", "w", "m" }) Directory.CreateDirectory(Path.Combine(probe, d));
            NativeFs.Mount("overlay", Path.Combine(probe, "m"), "overlay", 0,
                $"lowerdir={Path.Combine(probe, "l")},upperdir={Path.Combine(probe, "u")},workdir={Path.Combine(probe, "w")}");
            MountHelper.Unmount(Path.Combine(probe, "m"));
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        finally
        {
            try { Directory.Delete(probe, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
