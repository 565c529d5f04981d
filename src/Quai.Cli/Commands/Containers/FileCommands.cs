using System.CommandLine;
using System.Formats.Tar;
using Quai.Engine;
using Quai.Engine.Containers;

namespace Quai.Cli.Commands.Containers;

/// <summary>cp, diff, export: work on the container's rootfs mounted on the host (mounted for the
/// duration of the command when the container is not running). Paths inside the container are
/// resolved inside its rootfs: symlinks cannot lead out of it.</summary>
public static class FileCommands
{
    private static T WithRootfs<T>(ContainerEngine engine, Container c, Func<string, T> body)
    {
        var rootfs = engine.RootfsDir(c.Id);
        var mountedHere = false;
        if (!Quai.Images.Snapshots.MountHelper.IsMountPoint(rootfs))
        {
            engine.MountRootfs(c);
            mountedHere = true;
        }
        try { return body(rootfs); }
        finally
        {
            if (mountedHere && !ContainerEngine.IsActive(engine.Store.Load(c.Id).State)) engine.UnmountRootfs(c.Id);
        }
    }

    /// <summary>Resolves <paramref name="path"/> inside <paramref name="root"/> like chroot would
    /// (absolute symlinks are relative to the root, ".." stops at it).</summary>
    public static string SecureJoin(string root, string path)
    {
        var parts = new List<string>();
        var pending = new Stack<string>(path.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse());
        var links = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part == ".") continue;
            if (part == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); continue; }
            var candidate = Path.Combine(root, string.Join('/', parts.Append(part)));
            var info = new FileInfo(candidate);
            if (info.LinkTarget is { } target && pending.Count >= 0)
            {
                if (++links > 40) throw new EngineUsageException($"too many levels of symbolic links: {path}");
                if (target.StartsWith('/')) parts.Clear();
                foreach (var t in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse()) pending.Push(t);
                continue;
            }
            parts.Add(part);
        }
        return Path.Combine(root, string.Join('/', parts));
    }

    public static Command Cp(CliContext cli)
    {
        var src = new Argument<string>("SRC_PATH");
        var dst = new Argument<string>("DEST_PATH");
        var archive = new Option<bool>("--archive", "-a") { Description = "Archive mode (copy all uid/gid information)" };
        var follow = new Option<bool>("--follow-link", "-L") { Description = "Always follow symbol link in SRC_PATH" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Suppress progress output during copy" };
        var cmd = new Command("cp", "Copy files/folders between a container and the local filesystem") { archive, follow, quiet, src, dst };
        cmd.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            var s = p.GetValue(src)!;
            var d = p.GetValue(dst)!;
            static (string? C, string Path) Split(string x)
            {
                var i = x.IndexOf(':');
                return i > 0 && !x[..i].Contains('/') ? (x[..i], x[(i + 1)..]) : (null, x);
            }
            var (sc, sp) = Split(s);
            var (dc, dp) = Split(d);
            if ((sc is null) == (dc is null)) throw new EngineUsageException("copying between containers is not supported; one of the paths must be a container path (CONTAINER:PATH)");
            var c = engine.Inspect(sc ?? dc!);
            return WithRootfs(engine, c, rootfs =>
            {
                if (sc is not null)
                {
                    var from = SecureJoin(rootfs, sp);
                    if (!Path.Exists(from)) throw new NotFoundException($"Could not find the file {sp} in container {sc}");
                    Copy(from, Directory.Exists(dp) ? Path.Combine(dp, Path.GetFileName(from.TrimEnd('/'))) : dp, p.GetValue(archive));
                }
                else
                {
                    if (!Path.Exists(sp)) throw new EngineUsageException($"stat {sp}: no such file or directory");
                    var to = SecureJoin(rootfs, dp);
                    if (Directory.Exists(to)) to = SecureJoin(rootfs, Path.Combine(dp, Path.GetFileName(sp.TrimEnd('/'))));
                    Copy(sp, to, true);
                }
                return 0;
            });
        }));
        return cmd;
    }

    private static void Copy(string from, string to, bool keepOwner)
    {
        if (Directory.Exists(from) && new DirectoryInfo(from).LinkTarget is null)
        {
            Directory.CreateDirectory(to);
            foreach (var e in new DirectoryInfo(from).EnumerateFileSystemInfos())
                Copy(e.FullName, Path.Combine(to, e.Name), keepOwner);
            return;
        }
        var info = new FileInfo(from);
        if (info.LinkTarget is { } link)
        {
            if (Path.Exists(to) || new FileInfo(to).LinkTarget is not null) File.Delete(to);
            File.CreateSymbolicLink(to, link);
            return;
        }
        if (new FileInfo(to).LinkTarget is not null) File.Delete(to);
        File.Copy(from, to, overwrite: true);
        File.SetUnixFileMode(to, File.GetUnixFileMode(from));
    }

    public static Command Diff(CliContext cli)
    {
        var target = new Argument<string>("CONTAINER");
        var cmd = new Command("diff", "Inspect changes to files or directories on a container's filesystem") { target };
        cmd.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            var c = engine.Inspect(p.GetValue(target)!);
            var overlay = c.Quai.RootfsMounts.FirstOrDefault(m => m.Type == "overlay");
            if (overlay is null) throw new EngineUsageException("diff is only supported with the overlayfs snapshotter");
            string Opt(string key)
            {
                var v = overlay.Options.First(o => o.StartsWith(key + "=", StringComparison.Ordinal))[(key.Length + 1)..];
                return v;
            }
            string Abs(string d) => Path.IsPathRooted(d) || overlay.WorkingDirectory is null ? d : Path.Combine(overlay.WorkingDirectory, d);
            var upper = Abs(Opt("upperdir"));
            var lowers = Opt("lowerdir").Split(':').Select(Abs).ToList();
            var changes = new List<(string Path, char Kind)>();
            void Walk(string dir, string rel)
            {
                foreach (var e in new DirectoryInfo(dir).EnumerateFileSystemInfos())
                {
                    var path = rel + "/" + e.Name;
                    var inLower = lowers.Any(l => Path.Exists(Path.Combine(l, path.TrimStart('/'))) || new FileInfo(Path.Combine(l, path.TrimStart('/'))).LinkTarget is not null);
                    if (Quai.Interop.Libc.FstatAt(-100, e.FullName, out var st, 0x100) == 0 && (st.Mode & 0xF000) == 0x2000 && st.Rdev == 0)
                    {
                        changes.Add((path, 'D'));
                        continue;
                    }
                    changes.Add((path, inLower ? 'C' : 'A'));
                    if (e is DirectoryInfo d && d.LinkTarget is null) Walk(d.FullName, path);
                }
            }
            if (Directory.Exists(upper)) Walk(upper, "");
            // What the runtime creates as mount points (Docker keeps them in a hidden init layer).
            static bool Artifact(string p) => p is "/dev" or "/proc" or "/sys" or "/etc/hostname" or "/etc/hosts" or "/etc/resolv.conf"
                || p.StartsWith("/dev/", StringComparison.Ordinal) || p.StartsWith("/proc/", StringComparison.Ordinal) || p.StartsWith("/sys/", StringComparison.Ordinal);
            var kept = changes.Where(x => !Artifact(x.Path)).ToList();
            // a directory copied up only because of those artifacts is not a change
            kept = kept.Where(x => x.Kind != 'C' || !Directory.Exists(Path.Combine(upper, x.Path.TrimStart('/')))
                || kept.Any(y => y.Path.StartsWith(x.Path + "/", StringComparison.Ordinal))
                || !changes.Any(y => y.Path.StartsWith(x.Path + "/", StringComparison.Ordinal))).ToList();
            foreach (var (path, kind) in kept.OrderBy(x => x.Path, StringComparer.Ordinal)) cli.Out.WriteLine($"{kind} {path}");
            return 0;
        }));
        return cmd;
    }

    public static Command Export(CliContext cli)
    {
        var output = new Option<string?>("--output", "-o") { Description = "Write to a file, instead of STDOUT" };
        var target = new Argument<string>("CONTAINER");
        var cmd = new Command("export", "Export a container's filesystem as a tar archive") { output, target };
        cmd.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            var c = engine.Inspect(p.GetValue(target)!);
            if (p.GetValue(output) is null && !Console.IsOutputRedirected)
                throw new EngineUsageException("cowardly refusing to save to a terminal. Use the -o flag or redirect");
            return WithRootfs(engine, c, rootfs =>
            {
                using var stream = p.GetValue(output) is { } o ? File.Create(o) : Console.OpenStandardOutput();
                using var tar = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true);
                void Add(string dir, string rel)
                {
                    foreach (var e in new DirectoryInfo(dir).EnumerateFileSystemInfos().OrderBy(x => x.Name, StringComparer.Ordinal))
                    {
                        var name = rel.Length == 0 ? e.Name : rel + "/" + e.Name;
                        tar.WriteEntry(e.FullName, e is DirectoryInfo && e.LinkTarget is null ? name + "/" : name);
                        if (e is DirectoryInfo d && d.LinkTarget is null) Add(d.FullName, name);
                    }
                }
                Add(rootfs, "");
                return 0;
            });
        }));
        return cmd;
    }
}
