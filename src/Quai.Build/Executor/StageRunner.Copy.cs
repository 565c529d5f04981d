using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using Quai.Build.Context;
using Quai.Build.Syntax;
using Quai.Engine.Containers;
using Quai.Engine.Files;
using Quai.Images;

namespace Quai.Build.Executor;

internal sealed partial class StageRunner
{
    /// <summary>What COPY and ADD share, from either instruction.</summary>
    private sealed record CopyArgs(string Keyword, IReadOnlyList<string> Sources, IReadOnlyList<Heredoc> Heredocs, string Dest,
        string? From = null, string? Chown = null, string? Chmod = null, bool Link = false, bool Parents = false,
        IReadOnlyList<string>? Excludes = null, string? Checksum = null, bool? KeepGitDir = null, bool? Unpack = null);

    private void CopyStep(CopyInstruction c) => CopyStep(c, new CopyArgs("COPY", c.Sources, c.Heredocs, c.Destination, c.From, c.Chown, c.Chmod,
        c.Link, c.Parents, c.Excludes));

    private void AddStep(AddInstruction a) => CopyStep(a, new CopyArgs("ADD", a.Sources, a.Heredocs, a.Destination, null, a.Chown, a.Chmod,
        a.Link, false, a.Excludes, a.Checksum, a.KeepGitDir, a.Unpack));

    private void CopyStep(Instruction i, CopyArgs a)
    {
        var keyword = a.Keyword;
        var destText = Expand(a.Dest);
        var workdir = _config.WorkingDir is { Length: > 0 } w ? w : "/";
        var absDest = destText.StartsWith('/') ? destText : workdir.TrimEnd('/') + "/" + destText;
        var destIsDir = destText.EndsWith('/') || destText is "." or "./" || destText.EndsWith("/.", StringComparison.Ordinal);
        var chownText = a.Chown is null ? null : Expand(a.Chown);
        var owner = NumericOwner(chownText);
        var chmodText = a.Chmod is null ? null : Expand(a.Chmod);
        ChmodSpec? chmod = null;
        if (chmodText is not null && (chmod = ChmodSpec.TryParse(chmodText, out var chmodError)) is null)
            throw new BuildException($"{Where(i)}: {keyword} --chmod={chmodText}: {chmodError}");
        var excludes = (a.Excludes ?? []).Select(Expand).ToList();
        DockerIgnore exclude;
        try { exclude = DockerIgnore.Parse(string.Join('\n', excludes), "--exclude"); }
        catch (DockerIgnoreException e) { throw new BuildException($"{Where(i)}: {keyword} --exclude: {e.Message}"); }
        var srcs = a.Sources.Select(Expand).ToList();
        if (srcs.Count + a.Heredocs.Count > 1 && !destIsDir)
            throw new BuildException($"{Where(i)}: When using {keyword} with more than one source file, the destination must be a directory and end with a /");
        if (a.KeepGitDir is not null || srcs.Any(UrlSource.IsGit))
            throw new BuildException($"{Where(i)}: ADD {srcs.FirstOrDefault(UrlSource.IsGit) ?? "--keep-git-dir"}: git sources are not supported yet; clone the repository into the context and COPY it");
        (string, string)? checksum = null;
        if (a.Checksum is { } ck)
        {
            if (srcs.Any(s => !UrlSource.IsHttp(s)))
                throw new BuildException($"{Where(i)}: ADD --checksum: checksum can only be given for http(s) sources");
            try { checksum = UrlSource.ParseChecksum(Expand(ck)); }
            catch (FormatException e) { throw new BuildException($"{Where(i)}: ADD --checksum: {e.Message}"); }
        }
        var flags = $"{(a.Link ? "--link " : "")}{(a.Parents ? "--parents " : "")}{string.Concat(excludes.Select(x => $"--exclude={x} "))}";
        var createdBy = $"{keyword} {flags}{(a.From is null ? "" : $"--from={a.From} ")}{string.Join(' ', srcs.Concat(a.Heredocs.Select(h => "<<" + h.Name)))} {destText}";
        var optionsKey = $"{chownText}|{chmodText}|{a.Link}|{a.Parents}|{a.Unpack}|{string.Join('\0', excludes)}";
        if (a.From is not null)
        {
            CopyFrom(i, Expand(a.From), srcs, absDest, destIsDir, chownText, chmod, a, exclude, createdBy, optionsKey);
            return;
        }

        var layer = new CopyLayer(run.Context, chmod);
        var keys = new List<string> { optionsKey };
        var fetched = new List<UrlSource.Fetched>();
        var tempDir = UrlSource.TempDir(run.Engine.Images.Root);
        try
        {
            foreach (var src in srcs)
            {
                if (keyword == "ADD" && UrlSource.IsHttp(src))
                {
                    var placement = destIsDir ? Placement.Into : Placement.IntoIfDirectory;
                    var name = UrlSource.FileName(src);
                    if (checksum is { } sum)
                    {
                        // the checksum is the key: a hit fetches nothing; a miss fetches and verifies
                        keys.Add($"url:{src}@{sum.Item1}:{sum.Item2}");
                        UrlSource.Fetched? once = null;
                        layer.AddUrl(() => once ??= Track(UrlSource.Fetch(src, tempDir, sum, Where(i))), absDest, name, placement);
                    }
                    else
                    {
                        // BuildKit fetches again and keys the step by what it got
                        var f = Track(UrlSource.Fetch(src, tempDir, null, Where(i)));
                        keys.Add($"url:{src}={f.Digest}");
                        layer.AddUrl(() => f, absDest, name, placement);
                    }
                    continue;
                }
                AddContextSource(i, keyword, src, absDest, destIsDir, a, exclude, layer, keys);
            }
            AddHeredocFiles(layer, keys, a.Heredocs, absDest, destIsDir);
            Commit(i, createdBy, string.Join('\0', keys), () =>
            {
                var lookup = !a.Link && _image is not null; // --link: the layer never looks at the parent
                var names = chownText is not null && owner is null;
                using var view = (lookup || names) && _image is not null ? ImageView.Open(run.Engine, _image) : null;
                layer.Owner = owner ?? (chownText is null ? null : ResolveOwner(i, keyword, chownText, view));
                return Derive(new DeriveOptions
                {
                    Parent = _image, Platform = _platform, Config = _config, CreatedBy = createdBy,
                    WriteLayer = output => layer.Write(output, lookup ? view!.IsDirectory : null),
                });
            });
        }
        finally
        {
            foreach (var f in fetched) f.Dispose();
        }

        UrlSource.Fetched Track(UrlSource.Fetched f) { fetched.Add(f); return f; }
    }

    /// <summary>One context source: its matches (a wildcard may have several), each a file, a directory whose contents
    /// are copied, or (ADD, unless --unpack=false) a local archive to extract; --exclude and --parents applied.</summary>
    private void AddContextSource(Instruction i, string keyword, string src, string absDest, bool destIsDir, CopyArgs a,
        DockerIgnore exclude, CopyLayer layer, List<string> keys)
    {
        var matches = run.Context.ResolveSource(src);
        if (matches.Count == 0) throw new BuildException($"{Where(i)}: {keyword} {src}: no source files were specified");
        if (matches.Count > 1 && !destIsDir)
            throw new BuildException($"{Where(i)}: When using {keyword} with more than one source file, the destination must be a directory and end with a /");
        var pivot = a.Parents ? ParentsPivot(src) : null;
        using var key = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var m in matches)
        {
            var name = Path.GetFileName(m.Name);
            if (exclude.Patterns.Count > 0 && (exclude.IsExcluded(name) || exclude.IsExcluded(m.Name))) continue;
            // --parents: the source's path is kept below the destination (after a "/./" pivot only what follows it)
            string dest = absDest;
            if (pivot is not null)
            {
                var kept = pivot.Length == 0 ? m.Name : m.Name.StartsWith(pivot + "/", StringComparison.Ordinal) ? m.Name[(pivot.Length + 1)..] : m.Name;
                dest = absDest.TrimEnd('/') + "/" + kept;
            }
            if (m.Entry.Type == ContextEntryType.Directory)
            {
                bool Excluded(string rel) => exclude.Patterns.Count > 0 && exclude.IsExcluded(rel);
                layer.AddTree(m.Entry, dest, Excluded);
                Hash(key, m.Name, m.Entry, Excluded);
                continue;
            }
            if (keyword == "ADD" && a.Unpack != false && m.Entry.Type == ContextEntryType.File
                && ArchiveSource.TryOpenTar(() => run.Context.OpenRead(m.Entry)) is { } probe)
            {
                probe.Dispose();
                layer.AddArchive(m.Entry, m.Name, absDest, Where(i));
                Hash(key, "archive:" + m.Name, m.Entry, _ => false);
                continue;
            }
            var placement = pivot is not null ? Placement.At : destIsDir || matches.Count > 1 ? Placement.Into : Placement.IntoIfDirectory;
            layer.AddFile(m.Entry, dest, name, placement);
            Hash(key, m.Name, m.Entry, _ => false);
        }
        keys.Add(src + "=" + Convert.ToHexStringLower(key.GetHashAndReset()));
    }

    /// <summary>The part of a --parents source before its last "/./" (relative to the context; "" when it has none).</summary>
    internal static string ParentsPivot(string src)
    {
        var s = src.Replace('\\', '/');
        var at = s.LastIndexOf("/./", StringComparison.Ordinal);
        if (at < 0) return "";
        return GoPath.InRoot(s[..at]);
    }

    /// <summary>The cache key of what a match copies: each entry's path below the match, type, mode, symlink target and
    /// content digest (never a time, never the host owner: COPY does not keep it); excluded paths left out.</summary>
    private void Hash(IncrementalHash h, string name, ContextEntry top, Func<string, bool> excluded)
    {
        void Text(string s) { var b = Encoding.UTF8.GetBytes(s); h.AppendData(BitConverter.GetBytes(b.Length)); h.AppendData(b); }
        Text(name);
        var prefix = top.Path.Length == 0 ? 0 : top.Path.Length + 1;
        foreach (var e in run.Context.Tree(top))
        {
            var rel = e.Path.Length <= top.Path.Length ? "" : e.Path[prefix..];
            if (rel.Length > 0 && excluded(rel)) continue;
            Text(rel);
            h.AppendData([(byte)e.Type]);
            h.AppendData(BitConverter.GetBytes(e.Mode));
            if (e.Type == ContextEntryType.Symlink) Text(e.LinkTarget ?? "");
            if (e.Type == ContextEntryType.File) h.AppendData(run.Context.ContentHash(e));
        }
    }

    /// <summary>--chown with numbers only (<c>uid</c>, <c>uid:gid</c>): known without the image; null when a name needs it.</summary>
    private static (uint, uint)? NumericOwner(string? chown)
    {
        if (chown is null) return null;
        var parts = chown.Split(':', 2);
        if (!uint.TryParse(parts[0], out var uid)) return null;
        if (parts.Length == 1 || parts[1].Length == 0) return (uid, uid);
        return uint.TryParse(parts[1], out var gid) ? (uid, gid) : null;
    }

    /// <summary>--chown with names, resolved in the image the step copies onto (its /etc/passwd and /etc/group, read in
    /// its root); on scratch, names cannot be resolved.</summary>
    private (uint, uint) ResolveOwner(Instruction i, string keyword, string chown, ImageView? view)
    {
        try { return view is not null ? view.Owner(chown) : ImageView.ResolveOwner(chown, (null, null)); }
        catch (FormatException e) { throw new BuildException($"{Where(i)}: {keyword} --chown={chown}: {e.Message}"); }
        catch (IOException e) { throw new BuildException($"{Where(i)}: {keyword} --chown={chown}: {e.Message}"); }
    }

    /// <summary>COPY --from a stage or an image: each source is read from a created (never started) container of that
    /// image through the engine's in-root copy into a temporary file of the store (never whole in memory), then
    /// re-rooted at the destination.</summary>
    private void CopyFrom(Instruction i, string from, List<string> srcs, string absDest, bool destIsDir, string? chownText, ChmodSpec? chmod,
        CopyArgs a, DockerIgnore exclude, string createdBy, string optionsKey)
    {
        string sourceImage;
        if (StageGraph.Find(run.File, from) is { } s) sourceImage = run.Built[s.Index];
        else
        {
            try { sourceImage = run.Engine.Images.Find(from).Id; }
            catch (ImageNotFoundException) { throw new BuildException($"{Where(i)}: COPY --from={from}: no stage or local image has this name"); }
        }
        Commit(i, createdBy + " (from " + sourceImage + ")", optionsKey, () =>
        {
            var tempDir = UrlSource.TempDir(run.Engine.Images.Root);
            var tars = new List<(string Src, FileStream Tar)>();
            var c = run.Engine.Create(StepOptions(new RunOptions { Image = sourceImage, Cmd = ["copy-source"], Entrypoint = "" }));
            var sources = srcs;
            try
            {
                sources = ExpandWildcards(i, from, c, srcs);
                if (sources.Count > 1 && !destIsDir)
                    throw new BuildException($"{Where(i)}: When using COPY with more than one source file, the destination must be a directory and end with a /");
                var copy = new ContainerCopy(run.Engine);
                foreach (var src in sources)
                {
                    var tmp = new FileStream(Path.Combine(tempDir, $"from-{Environment.ProcessId}-{Guid.NewGuid():N}"), new FileStreamOptions
                    {
                        Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Options = FileOptions.DeleteOnClose,
                        UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite, BufferSize = 1 << 16,
                    });
                    tars.Add((src, tmp));
                    try { copy.CopyOutArchive(c, src.StartsWith('/') ? src : "/" + src, tmp, new ContainerCopy.Options(FollowLink: true)); }
                    catch (Quai.Engine.Containers.NotFoundException) { throw new BuildException($"{Where(i)}: COPY --from={from} {src}: not found in {from}"); }
                    tmp.Position = 0;
                }
            }
            catch
            {
                foreach (var (_, t) in tars) t.Dispose();
                throw;
            }
            finally { try { run.Engine.Remove(c.Id, force: true, volumes: true); } catch (Exception) { } }
            try
            {
                var owner = NumericOwner(chownText);
                var lookup = !a.Link && _image is not null;
                using var view = (lookup || (chownText is not null && owner is null)) && _image is not null ? ImageView.Open(run.Engine, _image) : null;
                if (chownText is not null && owner is null) owner = ResolveOwner(i, "COPY", chownText, view);
                return Derive(new DeriveOptions
                {
                    Parent = _image, Platform = _platform, Config = _config, CreatedBy = createdBy,
                    WriteLayer = output =>
                    {
                        using var layer = new LayerTar(output, lookup ? view!.IsDirectory : null);
                        foreach (var (src, tar) in tars)
                            Reroot(tar, src, sources.Count > 1 || destIsDir, absDest, a.Parents, owner, chmod, exclude, layer);
                    },
                });
            }
            finally { foreach (var (_, t) in tars) t.Dispose(); }
        });
    }

    /// <summary>The sources of a COPY --from with a wildcard in their last element (<c>/out/*.so</c>) replaced by what it
    /// matches in the source image (Go's filepath.Match, names sorted), listed through the image's root descriptor.
    /// A wildcard in an earlier element is refused as not supported yet; no match is an error, as BuildKit's.</summary>
    private List<string> ExpandWildcards(Instruction i, string from, Container c, List<string> srcs)
    {
        if (!srcs.Any(s => s.Split('/').Any(GoGlob.ContainsWildcards))) return srcs;
        var result = new List<string>();
        using var root = ContainerRoot.OpenRootfs(run.Engine, c);
        var inRoot = new Quai.Fs.InRoot(root.Fd, $"image {from}");
        foreach (var src in srcs)
        {
            var elements = src.Split('/');
            int wild = Array.FindIndex(elements, GoGlob.ContainsWildcards);
            if (wild < 0) { result.Add(src); continue; }
            if (wild != elements.Length - 1)
                throw new BuildException($"{Where(i)}: COPY --from={from} {src}: a wildcard before the last element of the path is not supported yet");
            var slash = src.LastIndexOf('/');
            var prefix = slash < 0 ? "" : src[..(slash + 1)];
            var fd = inRoot.TryOpen(prefix.Length == 0 ? "." : prefix, Quai.Interop.NativeFs.O_RDONLY | Quai.Interop.NativeFs.O_DIRECTORY);
            var names = new List<string>();
            if (fd >= 0)
                try { names = Quai.Fs.TreeWalk.List(fd); }
                finally { Quai.Interop.NativeFs.close(fd); }
            int before = result.Count;
            foreach (var n in names)
                if (GoGlob.Match(elements[^1], n)) result.Add(prefix + n);
            if (result.Count == before) throw new BuildException($"{Where(i)}: COPY --from={from} {src}: no source files were specified");
        }
        return result;
    }

    /// <summary>One source's tar (its top entry named after the source) written at the destination: a directory's
    /// contents into it, a file into it (<paramref name="into"/>, or an existing directory of the parent image) or at it.</summary>
    private static void Reroot(Stream tar, string src, bool into, string absDest, bool parents, (uint Uid, uint Gid)? owner, ChmodSpec? chmod,
        DockerIgnore exclude, LayerTar layer)
    {
        using var r = new TarReader(tar, leaveOpen: true);
        var dest = CopyLayer.Rel(absDest);
        if (parents)
        {
            var pivot = ParentsPivot(src);
            var path = GoPath.InRoot(src);
            var kept = pivot.Length == 0 ? path : path.StartsWith(pivot + "/", StringComparison.Ordinal) ? path[(pivot.Length + 1)..] : path;
            var slash = kept.LastIndexOf('/');
            dest = CopyLayer.Join(dest, slash < 0 ? "" : kept[..slash]);
            into = true;
        }
        string? top = null;
        bool topIsDir = false;
        while (r.GetNextEntry(copyData: false) is { } e)
        {
            var name = e.Name.TrimEnd('/');
            if (top is null)
            {
                top = name;
                topIsDir = e.EntryType == TarEntryType.Directory;
                if (exclude.Patterns.Count > 0 && exclude.IsExcluded(Path.GetFileName(top))) return;
                if (topIsDir && parents) dest = CopyLayer.Join(dest, Path.GetFileName(top));
            }
            var rel = name.Length == top.Length ? "" : name[(top.Length + 1)..];
            if (rel.Length > 0 && exclude.Patterns.Count > 0 && exclude.IsExcluded(rel)) continue;
            string target = topIsDir ? CopyLayer.Join(dest, rel)
                : into || dest.Length == 0 || layer.ExistsAsDirectory(dest) ? CopyLayer.Join(dest, Path.GetFileName(top)) : dest;
            if (target.Length == 0) continue;
            var type = e.EntryType is TarEntryType.V7RegularFile ? TarEntryType.RegularFile : e.EntryType;
            var copy = new PaxTarEntry(type, target + (type == TarEntryType.Directory ? "/" : ""))
            {
                ModificationTime = e.ModificationTime,
                Mode = chmod is not null && type != TarEntryType.SymbolicLink ? (UnixFileMode)chmod.Apply((uint)e.Mode, type == TarEntryType.Directory) : e.Mode,
                Uid = owner is { } o ? (int)o.Uid : 0, Gid = owner is { } o2 ? (int)o2.Gid : 0,
            };
            if (e.DataStream is { } data) copy.DataStream = new Quai.Fs.FixedLengthStream(data, e.Length);
            if (type is TarEntryType.SymbolicLink) copy.LinkName = e.LinkName;
            if (type is TarEntryType.HardLink)
            {
                // the archiver names a hard link's target from the top of the tar: re-root it the same way
                var ln = e.LinkName.TrimEnd('/');
                var lrel = ln.Length == top.Length ? "" : ln.StartsWith(top + "/", StringComparison.Ordinal) ? ln[(top.Length + 1)..] : ln;
                copy.LinkName = topIsDir ? CopyLayer.Join(dest, lrel) : target;
            }
            if (type is TarEntryType.CharacterDevice or TarEntryType.BlockDevice && e is PosixTarEntry p)
            {
                copy.DeviceMajor = p.DeviceMajor;
                copy.DeviceMinor = p.DeviceMinor;
            }
            layer.Write(copy);
        }
    }
}
