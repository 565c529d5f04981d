using Quai.Engine;
using Quai.Engine.Containers;
using Quai.Engine.Files;
using Quai.Engine.Specs;
using Quai.Fs;
using Quai.Interop;

namespace Quai.Build.Executor;

/// <summary>An image's filesystem seen read-only by a COPY step, through a created (never started) container and
/// the engine's <see cref="ContainerRoot"/>: the snapshot is mounted in a private mount namespace and reached
/// only through its root descriptor, every path resolved with openat2(RESOLVE_IN_ROOT) (its symlinks, absolute or
/// with <c>..</c>, stay inside the image). What a COPY asks of the parent: is a destination a directory there,
/// and who are the users and groups its /etc/passwd and /etc/group name (read by the engine's <see cref="UserFiles"/>).
/// Opened on demand, once per step, and only when the step is not cached.</summary>
internal sealed class ImageView : IDisposable
{
    private readonly ContainerEngine _engine;
    private readonly Container _container;
    private readonly ContainerRoot _root;
    private readonly InRoot _inRoot;
    private readonly Dictionary<string, bool> _dirs = new(StringComparer.Ordinal);
    private (string? Passwd, string? Group)? _users;

    private ImageView(ContainerEngine engine, Container c, ContainerRoot root)
    {
        _engine = engine;
        _container = c;
        _root = root;
        _inRoot = new InRoot(root.Fd, $"image {c.Image}");
    }

    public static ImageView Open(ContainerEngine engine, string image)
    {
        var c = engine.Create(StepContainerSweep.Mark(new RunOptions { Image = image, Cmd = ["copy-destination"], Entrypoint = "" }));
        try { return new ImageView(engine, c, ContainerRoot.OpenRootfs(engine, c)); }
        catch
        {
            try { engine.Remove(c.Id, force: true, volumes: true); } catch (Exception) { }
            throw;
        }
    }

    /// <summary>The image's root descriptor (for the engine's in-root copy).</summary>
    public int RootFd => _root.Fd;

    /// <summary>True when <paramref name="path"/> (relative or absolute in the image) is a directory there, its
    /// symlinks followed inside the image.</summary>
    public bool IsDirectory(string path)
    {
        var clean = InRoot.Clean(path);
        if (clean.Length == 0) return true;
        if (_dirs.TryGetValue(clean, out var known)) return known;
        var fd = _inRoot.TryOpen(clean, NativeFs.O_PATH | NativeFs.O_DIRECTORY);
        if (fd >= 0) NativeFs.close(fd);
        return _dirs[clean] = fd >= 0;
    }

    /// <summary>Resolves a --chown spec (<c>user</c>, <c>user:group</c>, ids or names) against the image's users.
    /// As BuildKit: a user id without a group takes the same number as its group, a user name its primary group.</summary>
    /// <exception cref="FormatException">a name the image's files do not have.</exception>
    public (uint Uid, uint Gid) Owner(string spec) => ResolveOwner(spec, _users ??= UserFiles.Read(_inRoot));

    /// <summary>--chown against passwd and group texts (null: the file does not exist).</summary>
    public static (uint Uid, uint Gid) ResolveOwner(string spec, (string? Passwd, string? Group) files)
    {
        var parts = spec.Split(':', 2);
        ResolvedUser user;
        try { user = UserResolver.Resolve(parts[0].Length == 0 ? "0" : parts[0], files.Passwd, null); }
        catch (ContainerStartException e) { throw new FormatException(e.Message.Replace("unable to find user", "unable to convert uid/gid chown string to host mapping: can't find uid for user"), e); }
        if (parts.Length == 1 || parts[1].Length == 0) return (user.Uid, uint.TryParse(parts[0], out _) || parts[0].Length == 0 ? user.Uid : user.Gid);
        try { return (user.Uid, UserResolver.Resolve("0:" + parts[1], null, files.Group).Gid); }
        catch (ContainerStartException e) { throw new FormatException(e.Message.Replace("unable to find group", "unable to convert uid/gid chown string to host mapping: can't find gid for group"), e); }
    }

    public void Dispose()
    {
        try { _root.Dispose(); }
        finally
        {
            try { _engine.Remove(_container.Id, force: true, volumes: true); } catch (Exception) { }
        }
    }
}
