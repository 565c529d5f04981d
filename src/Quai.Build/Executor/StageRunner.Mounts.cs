using Quai.Build.Context;
using Quai.Build.Syntax;
using Quai.Engine.Containers;
using Quai.Engine.Files;
using Quai.Fs;
using Quai.Interop;

namespace Quai.Build.Executor;

/// <summary>RUN --mount: each mount is planned (expanded, resolved, and given its part of the step's cache key)
/// before the cache lookup, and prepared only when the step runs: a bind's files copied into a private step
/// directory (the context through its descriptors, a stage or image through the engine's in-root copy), a cache
/// directory taken under its sharing rule, a secret written as a file of its own, an ssh relay started. The
/// container gets them as binds and tmpfs mounts, so nothing of theirs is in the writable layer; the mount points
/// a step had to create are removed again before the commit when they are still empty, as BuildKit does.</summary>
internal sealed partial class StageRunner
{
    /// <summary>One --mount of a RUN, expanded and resolved. <see cref="Id"/>: the cache, secret or ssh id;
    /// <see cref="Seed"/>: a cache's from image and source; <see cref="Env"/>: a secret's variable.</summary>
    private sealed record MountPlan(RunMount Mount, string? Target, string Key, string? Image = null, ContextEntry? Context = null,
        string? Id = null, string Seed = "", string? Env = null);

    private List<MountPlan> PlanMounts(RunInstruction r)
    {
        var plans = new List<MountPlan>();
        int ssh = 0;
        foreach (var literal in r.Mounts)
        {
            RunMount m;
            try { m = literal.Spec.Contains('$') ? RunMount.Parse(literal.Spec, Expand) : literal; }
            catch (FormatException e) { throw new BuildException($"{Where(r)}: {e.Message}"); }
            var target = m.Target is { } t ? MountTarget(r, m, t) : null;
            string Need() => target ?? throw new BuildException($"{Where(r)}: --mount={m.Spec}: a {m.Type.ToString().ToLowerInvariant()} mount needs a target");
            switch (m.Type)
            {
                case RunMountType.Bind:
                    Need();
                    if (m.From is null)
                    {
                        var source = m.Source ?? ".";
                        IReadOnlyList<SourceMatch> found;
                        try { found = run.Context.ResolveSource(source); }
                        catch (FileNotFoundException) { found = []; }
                        if (found.Count != 1) throw new BuildException($"{Where(r)}: --mount={m.Spec}: \"{source}\" not found in the build context");
                        var sum = run.Context.Checksum(source);
                        plans.Add(new(m, target, $"bind|context|{source}|{sum}|{target}|{m.ReadOnly}", Context: found[0].Entry));
                    }
                    else
                    {
                        var image = MountImage(r, m, m.From);
                        plans.Add(new(m, target, $"bind|{image}|{m.Source}|{target}|{m.ReadOnly}", Image: image));
                    }
                    break;
                case RunMountType.Cache:
                {
                    Need();
                    var id = m.Id ?? target!;
                    string? image = m.From is null ? null : MountImage(r, m, m.From);
                    var seed = image is null ? "" : image + ":" + (m.Source ?? "/");
                    plans.Add(new(m, target, $"cache|{id}|{target}|{m.Sharing}|{m.ReadOnly}|{m.Mode}|{m.Uid}|{m.Gid}|{seed}", Image: image, Id: id, Seed: seed));
                    break;
                }
                case RunMountType.Tmpfs:
                    Need();
                    plans.Add(new(m, target, $"tmpfs|{target}|{m.SizeLimit}"));
                    break;
                case RunMountType.Secret:
                {
                    var id = m.Id ?? m.Source ?? Path.GetFileName(target!.TrimEnd('/'));
                    var env = m.Env is { Length: > 0 } e ? e : null;
                    // env= alone exposes the secret as a variable only; a target (or no env) makes it a file too
                    var file = target ?? (env is null ? "/run/secrets/" + id : null);
                    plans.Add(new(m, file, $"secret|{id}|{file}|{env}|{m.Required}|{m.Mode}|{m.Uid}|{m.Gid}", Id: id, Env: env));
                    break;
                }
                case RunMountType.Ssh:
                {
                    var id = m.Id ?? "default";
                    var sock = target ?? $"/run/buildkit/ssh_agent.{ssh}";
                    ssh++;
                    plans.Add(new(m, sock, $"ssh|{id}|{sock}|{m.Required}|{m.Mode}|{m.Uid}|{m.Gid}", Id: id));
                    break;
                }
            }
        }
        var twice = plans.Where(p => p.Target is not null).GroupBy(p => p.Target).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new BuildException($"{Where(r)}: more than one --mount on {twice.Key}");
        return plans;
    }

    /// <summary>A mount's target, absolute (a relative one is under the working directory, as BuildKit's).</summary>
    private string MountTarget(RunInstruction r, RunMount m, string target)
    {
        var abs = target.StartsWith('/') ? Normalize(target) : Normalize((_config.WorkingDir ?? "/") + "/" + target);
        if (abs == "/") throw new BuildException($"{Where(r)}: --mount={m.Spec}: cannot mount on /");
        return abs;
    }

    /// <summary>The image of a mount's from=: a stage of this Dockerfile (built before this one) or a local image.</summary>
    private string MountImage(RunInstruction r, RunMount m, string from)
    {
        if (StageGraph.Find(run.File, from) is { } s)
        {
            if (s.Index == stage.Index || !run.Built.TryGetValue(s.Index, out var built))
                throw new BuildException($"{Where(r)}: --mount={m.Spec}: stage {from} is not built before this one");
            return built;
        }
        try { return run.Engine.Images.Find(from).Id; }
        catch (Quai.Images.ImageNotFoundException) { throw new BuildException($"{Where(r)}: --mount={m.Spec}: no stage or local image named {from}"); }
    }

    /// <summary>What the mounts give one run of the step; disposing ends the relays, releases the cache locks and
    /// removes the step directory (a secret's file included).</summary>
    private sealed class PreparedMounts : IDisposable
    {
        public List<MountPoint> Mounts { get; } = [];
        public List<string> Env { get; } = [];
        public List<IDisposable> Held { get; } = [];

        public void Dispose()
        {
            for (int i = Held.Count - 1; i >= 0; i--)
                try { Held[i].Dispose(); } catch (Exception) { /* the rest is released still */ }
            Held.Clear();
        }
    }

    private PreparedMounts PrepareMounts(RunInstruction r, List<MountPlan> plans)
    {
        var p = new PreparedMounts();
        try
        {
            string? stepDir = null;
            string StepDir()
            {
                if (stepDir is not null) return stepDir;
                var (dir, held) = CacheMounts.NewStepDir(run.Cache.Dir);
                p.Held.Add(held);
                return stepDir = dir;
            }
            string? sshTarget = null;
            var caches = new Dictionary<string, string>();
            var copies = new List<(string Target, string Dir)>();
            int n = 0;
            foreach (var plan in plans)
            {
                var m = plan.Mount;
                n++;
                switch (m.Type)
                {
                    case RunMountType.Bind:
                    {
                        var dir = Path.Combine(StepDir(), $"bind-{n}");
                        var source = plan.Context is { } entry ? CopyContext(entry, dir) : CopyImage(r, m, plan.Image!, m.Source ?? "/", dir);
                        if (Directory.Exists(source)) copies.Add((plan.Target!, source));
                        p.Mounts.Add(new MountPoint { Type = "bind", Source = source, Destination = plan.Target!, RW = !m.ReadOnly, Propagation = "rprivate" });
                        break;
                    }
                    case RunMountType.Cache:
                    {
                        // one cache mounted twice by a step is taken once (a second exclusive lock would wait for the first)
                        var name = CacheMounts.NameOf(plan.Id!, plan.Seed);
                        if (!caches.TryGetValue(name, out var dir))
                        {
                            (dir, var held) = CacheMounts.Acquire(run.Cache.Dir, name, m.Sharing ?? MountSharing.Shared, fresh => NewCacheDir(r, m, plan, fresh));
                            p.Held.Add(held);
                            caches[name] = dir;
                        }
                        p.Mounts.Add(new MountPoint { Type = "bind", Source = dir, Destination = plan.Target!, RW = !m.ReadOnly, Propagation = "rprivate" });
                        break;
                    }
                    case RunMountType.Tmpfs:
                        p.Mounts.Add(new MountPoint { Type = "tmpfs", Destination = plan.Target!, Mode = m.SizeLimit > 0 ? $"exec,size={m.SizeLimit}" : "exec" });
                        break;
                    case RunMountType.Secret:
                    {
                        byte[]? value;
                        try { value = run.Request.Secrets.GetValueOrDefault(plan.Id!)?.Read(); }
                        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
                        {
                            throw new BuildException($"{Where(r)}: secret {plan.Id}: {e.Message}");
                        }
                        if (value is null)
                        {
                            if (m.Required) throw new BuildException($"{Where(r)}: secret {plan.Id}: not found (give it with --secret id={plan.Id},src=FILE or --secret id={plan.Id},env=VAR)");
                            break; // an optional secret that was not given is not mounted
                        }
                        if (plan.Target is not null)
                        {
                            var file = Path.Combine(StepDir(), $"secret-{n}");
                            WriteSecret(file, value, m.Mode ?? 0x100 /* 0400 */, m.Uid ?? 0, m.Gid ?? 0);
                            p.Mounts.Add(new MountPoint { Type = "bind", Source = file, Destination = plan.Target, RW = false, Propagation = "rprivate" });
                        }
                        if (plan.Env is not null) p.Env.Add($"{plan.Env}={System.Text.Encoding.UTF8.GetString(value)}");
                        break;
                    }
                    case RunMountType.Ssh:
                    {
                        if (!run.Request.Ssh.TryGetValue(plan.Id!, out var agent))
                        {
                            if (m.Required) throw new BuildException($"{Where(r)}: ssh agent \"{plan.Id}\" not forwarded: give it with --ssh {plan.Id}[=SOCKET]");
                            break;
                        }
                        var sock = Path.Combine(StepDir(), $"ssh-{n}");
                        p.Held.Add(new SshForwarder(sock, agent.Socket, m.Mode ?? 0x180 /* 0600 */, m.Uid ?? 0, m.Gid ?? 0));
                        p.Mounts.Add(new MountPoint { Type = "bind", Source = sock, Destination = plan.Target!, RW = true, Propagation = "rprivate" });
                        sshTarget ??= plan.Target;
                        break;
                    }
                }
            }
            // a mount inside a bind (a cache on /src/node_modules, a bind on /src) needs its mount point in the bind's
            // copy: a read-only bind could not have one made by the runtime
            foreach (var (target, dir) in copies)
                foreach (var inner in p.Mounts.Where(x => x.Destination.StartsWith(target + "/", StringComparison.Ordinal)))
                {
                    using var root = new InRoot(dir);
                    var rel = inner.Destination[(target.Length + 1)..];
                    NativeFs.close(inner.Type == "tmpfs" || Directory.Exists(inner.Source) ? root.MkdirAll(rel) : root.CreateFile(rel));
                }
            if (sshTarget is not null && Lookup("SSH_AUTH_SOCK") is null) p.Env.Add("SSH_AUTH_SOCK=" + sshTarget);
            // parents before children: a cache under a bind lands on the bind, not under it
            var ordered = p.Mounts.OrderBy(x => x.Destination.Count(ch => ch == '/')).ToList();
            p.Mounts.Clear();
            p.Mounts.AddRange(ordered);
            return p;
        }
        catch { p.Dispose(); throw; }
    }

    /// <summary>A bind of the context: what it exposes (nothing .dockerignore excludes, nothing outside it) copied
    /// through the context's descriptors into <paramref name="dir"/>; a rw bind's writes go to that copy and
    /// are dropped with it. Returns the path to bind.</summary>
    private string CopyContext(ContextEntry entry, string dir)
    {
        Directory.CreateDirectory(dir, PrivateStore.DirMode);
        var name = entry.Type == ContextEntryType.Directory ? "/dir" : "/file";
        var layer = new CopyLayer(run.Context, null);
        if (entry.Type == ContextEntryType.Directory) layer.AddTree(entry, name, _ => false);
        else layer.AddFile(entry, name, Path.GetFileName(entry.Path), Placement.At);
        var tar = dir + ".tar";
        try
        {
            using (var f = new FileStream(tar, PrivateStore.NewFile(FileMode.CreateNew))) layer.Write(f, null);
            using (var f = File.OpenRead(tar)) TarExtractor.Extract(f, dir, new ExtractOptions { What = "build context entry", SkipDevices = true });
        }
        finally { File.Delete(tar); }
        return dir + name;
    }

    /// <summary>A bind of a stage or image: <paramref name="source"/> copied out of a created (never started)
    /// container of it through the engine's in-root copy. Returns the path to bind.</summary>
    private string CopyImage(RunInstruction r, RunMount m, string image, string source, string dir)
    {
        Directory.CreateDirectory(dir, PrivateStore.DirMode);
        var dest = Path.Combine(dir, "src");
        var c = run.Engine.Create(StepContainerSweep.Mark(new RunOptions { Image = image, Cmd = ["mount-source"], Entrypoint = "" }));
        try
        {
            new ContainerCopy(run.Engine).CopyOut(c, source.StartsWith('/') ? source : "/" + source, dest, new ContainerCopy.Options(Archive: true, FollowLink: true));
        }
        catch (NotFoundException) { throw new BuildException($"{Where(r)}: --mount={m.Spec}: {source} not found in {m.From}"); }
        finally { try { run.Engine.Remove(c.Id, force: true, volumes: true); } catch (Exception) { } }
        return dest;
    }

    /// <summary>A new cache directory: the from= image's source when given, else empty with the mount's mode
    /// (0755) and owner (0:0).</summary>
    private void NewCacheDir(RunInstruction r, RunMount m, MountPlan plan, string fresh)
    {
        if (plan.Image is not null)
        {
            var parent = fresh + ".seed";
            try
            {
                var copied = CopyImage(r, m, plan.Image, m.Source ?? "/", parent);
                if (!Directory.Exists(copied)) throw new BuildException($"{Where(r)}: --mount={m.Spec}: {m.Source} in {m.From} is not a directory");
                Directory.Move(copied, fresh);
            }
            finally { if (Directory.Exists(parent)) Directory.Delete(parent, true); }
            return;
        }
        Directory.CreateDirectory(fresh);
        NativeFs.FchownAt(NativeFs.AT_FDCWD, fresh, m.Uid ?? 0, m.Gid ?? 0, NativeFs.AT_SYMLINK_NOFOLLOW, fresh);
        File.SetUnixFileMode(fresh, (UnixFileMode)((m.Mode ?? 0x1ed) & 0xfff));
    }

    private static void WriteSecret(string file, byte[] value, uint mode, uint uid, uint gid)
    {
        using (var f = new FileStream(file, PrivateStore.NewFile(FileMode.CreateNew)))
        {
            f.Write(value);
        }
        NativeFs.FchownAt(NativeFs.AT_FDCWD, file, uid, gid, NativeFs.AT_SYMLINK_NOFOLLOW, file);
        File.SetUnixFileMode(file, (UnixFileMode)(mode & 0xfff));
    }

    // ---------- mount stubs ----------

    /// <summary>What the runtime will create as mount points: the mount targets (and their parents) the container's
    /// root does not have, and the times of the directories that hold them (creating an entry changes them).</summary>
    private sealed record Stubs(List<string> Missing, List<(string Dir, NativeFs.Timespec Atime, NativeFs.Timespec Mtime)> Parents)
    {
        public static readonly Stubs None = new([], []);
    }

    /// <summary>The stubs the step's mounts will make in the container's root (see <see cref="RemoveStubs"/>).</summary>
    private Stubs MissingTargets(Container c, IEnumerable<string> targets)
    {
        var stubs = new Stubs([], []);
        using var root = ContainerRoot.OpenRootfs(run.Engine, c);
        using var inRoot = new InRoot(root.Fd, root.Where);
        foreach (var t in targets)
        {
            var parts = InRoot.Clean(t).Split('/', StringSplitOptions.RemoveEmptyEntries);
            for (int k = 1; k <= parts.Length; k++)
            {
                var path = string.Join('/', parts[..k]);
                if (stubs.Missing.Contains(path)) continue;
                var fd = inRoot.TryOpen(path, NativeFs.O_PATH | NativeFs.O_NOFOLLOW);
                if (fd >= 0) { NativeFs.close(fd); continue; }
                if (fd != -Errno.ENOENT) break; // not a directory on the way, or unreadable: the runtime will say
                stubs.Missing.Add(path);
                var parent = k == 1 ? "." : string.Join('/', parts[..(k - 1)]);
                if (stubs.Parents.Any(p => p.Dir == parent)) continue;
                var pfd = inRoot.TryOpen(parent, NativeFs.O_PATH | NativeFs.O_DIRECTORY);
                if (pfd < 0) continue;
                try
                {
                    if (NativeFs.TryFstatAt(pfd, "", NativeFs.AT_EMPTY_PATH, out var st)) stubs.Parents.Add((parent, st.Atime, st.Mtime));
                }
                finally { NativeFs.close(pfd); }
            }
        }
        return stubs;
    }

    /// <summary>Removes the mount points the step's mounts made, deepest first, when they are still empty (an
    /// empty directory, an empty file): what the command itself wrote there stays. The directories that held
    /// them get their times back, so an untouched directory is in the layer as it was in the image.</summary>
    private void RemoveStubs(Container c, Stubs stubs)
    {
        if (stubs.Missing.Count == 0) return;
        using var root = ContainerRoot.OpenRootfs(run.Engine, c);
        using var inRoot = new InRoot(root.Fd, root.Where);
        // a directory whose time is still the moment its stubs were made (their ctime) was changed by nothing else
        var untouched = new HashSet<string>();
        foreach (var (dir, _, _) in stubs.Parents)
        {
            var fd = inRoot.TryOpen(dir, NativeFs.O_PATH | NativeFs.O_DIRECTORY);
            if (fd < 0) continue;
            try
            {
                if (!NativeFs.TryFstatAt(fd, "", NativeFs.AT_EMPTY_PATH, out var pst)) continue;
                var latest = new NativeFs.Timespec();
                foreach (var m in stubs.Missing.Where(m => ParentOf(m) == dir))
                    if (NativeFs.TryFstatAt(fd, m[(m.LastIndexOf('/') + 1)..], NativeFs.AT_SYMLINK_NOFOLLOW, out var sst) && Later(sst.Ctime, latest)) latest = sst.Ctime;
                if (!Later(pst.Mtime, latest)) untouched.Add(dir);
            }
            finally { NativeFs.close(fd); }
        }
        var removed = new HashSet<string>();
        foreach (var path in stubs.Missing.OrderByDescending(p => p.Count(ch => ch == '/')))
        {
            var slash = path.LastIndexOf('/');
            var parent = slash < 0 ? "." : path[..slash];
            var name = slash < 0 ? path : path[(slash + 1)..];
            var pfd = inRoot.TryOpen(parent, NativeFs.O_PATH | NativeFs.O_DIRECTORY | NativeFs.O_NOFOLLOW);
            if (pfd < 0) continue;
            try
            {
                if (!NativeFs.TryFstatAt(pfd, name, NativeFs.AT_SYMLINK_NOFOLLOW, out var st)) continue;
                int rc = -1;
                if (st.IsDir) rc = NativeFs.TryUnlinkAt(pfd, name, NativeFs.AT_REMOVEDIR); // fails when not empty: kept
                else if (st.Type == NativeFs.S_IFREG && st.Size == 0) rc = NativeFs.TryUnlinkAt(pfd, name, 0);
                if (rc == 0) removed.Add(path);
            }
            finally { NativeFs.close(pfd); }
        }
        foreach (var (dir, atime, mtime) in stubs.Parents)
        {
            // only where every stub it held is gone and nothing else changed it: a directory the command wrote into keeps its new time
            if (!untouched.Contains(dir) || stubs.Missing.Any(m => ParentOf(m) == dir && !removed.Contains(m))) continue;
            var fd = inRoot.TryOpen(dir, NativeFs.O_PATH | NativeFs.O_DIRECTORY);
            if (fd < 0) continue;
            try { NativeFs.UtimensAt(NativeFs.AT_FDCWD, $"/proc/self/fd/{fd}", atime, mtime, 0, dir); }
            catch (ErrnoException) { /* the times are cosmetic */ }
            finally { NativeFs.close(fd); }
        }
    }

    private static string ParentOf(string path) => path.LastIndexOf('/') is var i and >= 0 ? path[..i] : ".";

    private static bool Later(NativeFs.Timespec a, NativeFs.Timespec b) => a.Sec > b.Sec || a.Sec == b.Sec && a.Nsec > b.Nsec;
}
