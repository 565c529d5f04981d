using System.Formats.Tar;
using Quai.Build.Syntax;
using Quai.Engine.Containers;
using Quai.Engine.Files;
using Quai.Engine.Logs;
using Quai.Images;
using Quai.Oci.Image;

namespace Quai.Build.Executor;

internal sealed partial class StageRunner
{

    private void CopyStep(Instruction i, IReadOnlyList<string> sources, string dest, string? from, string? chown, string? chmod,
        IReadOnlyList<Heredoc> heredocs, string keyword)
    {
        var destText = Expand(dest);
        var workdir = _config.WorkingDir is { Length: > 0 } w ? w : "/";
        var absDest = destText.StartsWith('/') ? destText : workdir.TrimEnd('/') + "/" + destText;
        var destIsDir = destText.EndsWith('/') || destText is "." or "./" || destText.EndsWith("/.", StringComparison.Ordinal);
        var owner = Owner(chown is null ? null : Expand(chown), i);
        UnixFileMode? mode = chmod is null ? null : (UnixFileMode)Convert.ToUInt32(Expand(chmod), 8);
        var srcs = sources.Select(Expand).ToList();
        if (srcs.Count + heredocs.Count > 1 && !destIsDir)
            throw new BuildException($"{Where(i)}: When using {keyword} with more than one source file, the destination must be a directory and end with a /");
        var createdBy = $"{keyword} {(from is null ? "" : $"--from={from} ")}{string.Join(' ', srcs.Concat(heredocs.Select(h => "<<" + h.Name)))} {destText}";
        if (from is not null) { CopyFrom(i, Expand(from), srcs, absDest, destIsDir, owner, mode, createdBy); return; }

        var layer = new CopyLayer(run.Context, owner, mode);
        var keys = new List<string> { $"{chown}|{chmod}" };
        foreach (var src in srcs)
        {
            if (src.StartsWith("<<", StringComparison.Ordinal) && heredocs.FirstOrDefault(h => h.Name == src.TrimStart('<', '-').Trim('"', '\'')) is { } doc)
            {
                var target = destIsDir ? absDest.TrimEnd('/') + "/" + doc.Name : absDest;
                layer.AddContent(target, System.Text.Encoding.UTF8.GetBytes(doc.Content));
                keys.Add("heredoc:" + doc.Content);
                continue;
            }
            if (keyword == "ADD") RefuseArchive(i, src);
            var matches = run.Context.ResolveSource(src);
            if (matches.Count == 0) throw new BuildException($"{Where(i)}: {keyword} {src}: no source files were specified");
            if (matches.Count > 1 && !destIsDir)
                throw new BuildException($"{Where(i)}: When using {keyword} with more than one source file, the destination must be a directory and end with a /");
            keys.Add(src + "=" + run.Context.Checksum(src));
            foreach (var m in matches)
            {
                if (m.Entry.Type == Context.ContextEntryType.Directory) layer.Add(m.Entry, absDest);
                else layer.Add(m.Entry, destIsDir || matches.Count > 1 ? absDest.TrimEnd('/') + "/" + Path.GetFileName(m.Name) : absDest);
            }
        }
        AddHeredocFiles(layer, keys, heredocs, absDest, destIsDir);
        Commit(i, createdBy, string.Join('\0', keys), () => Derive(new DeriveOptions
        {
            Parent = _image, Platform = _platform, Config = _config, CreatedBy = createdBy, WriteLayer = layer.Write,
        }));
    }

    /// <summary>ADD of a local archive extracts it in Docker; until that is done here, it is refused rather than copied whole.</summary>
    private void RefuseArchive(Instruction i, string src)
    {
        foreach (var m in run.Context.ResolveSource(src))
        {
            if (m.Entry.Type != Context.ContextEntryType.File) continue;
            using var s = run.Context.OpenRead(m.Entry);
            var head = new byte[512];
            var n = s.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            bool archive = n >= 3 && head[0] == 0x1f && head[1] == 0x8b || n >= 3 && head[0] == 'B' && head[1] == 'Z' && head[2] == 'h'
                || n >= 4 && head[0] == 0xfd && head[1] == '7' && head[2] == 'z' && head[3] == 'X' || n >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd
                || n >= 262 && System.Text.Encoding.ASCII.GetString(head, 257, 5) == "ustar";
            if (archive) throw new BuildException($"{Where(i)}: ADD {m.Name}: extracting archives is not supported yet; use COPY and a RUN tar");
        }
    }

    private (uint, uint)? Owner(string? chown, Instruction i)
    {
        if (chown is null) return null;
        var parts = chown.Split(':');
        if (uint.TryParse(parts[0], out var uid) && (parts.Length == 1 || uint.TryParse(parts[1], out _)))
            return (uid, parts.Length == 1 ? uid : uint.Parse(parts[1]));
        throw new BuildException($"{Where(i)}: --chown={chown}: user and group names are not supported yet; give numeric ids");
    }

    /// <summary>COPY --from a stage or an image: each source is read from a created (never started) container
    /// of that image through the engine's in-root copy, then re-rooted at the destination.</summary>
    private void CopyFrom(Instruction i, string from, List<string> srcs, string absDest, bool destIsDir, (uint, uint)? owner, UnixFileMode? mode, string createdBy)
    {
        string sourceImage;
        if (StageGraph.Find(run.File, from) is { } s) sourceImage = run.Built[s.Index];
        else
        {
            try { sourceImage = run.Engine.Images.Find(from).Id; }
            catch (ImageNotFoundException) { throw new BuildException($"{Where(i)}: COPY --from={from}: no stage or local image has this name"); }
        }
        Commit(i, createdBy + " (from " + sourceImage + ")", $"{owner}|{mode}", () =>
        {
            var c = run.Engine.Create(StepOptions(new RunOptions { Image = sourceImage, Cmd = ["copy-source"], Entrypoint = "" }));
            try
            {
                var tars = new List<(string Src, MemoryStream Tar)>();
                var copy = new ContainerCopy(run.Engine);
                foreach (var src in srcs)
                {
                    var ms = new MemoryStream();
                    try { copy.CopyOutArchive(c, src.StartsWith('/') ? src : "/" + src, ms, new ContainerCopy.Options(FollowLink: true)); }
                    catch (Quai.Engine.Containers.NotFoundException) { throw new BuildException($"{Where(i)}: COPY --from={from} {src}: not found in {from}"); }
                    ms.Position = 0;
                    tars.Add((src, ms));
                }
                return Derive(new DeriveOptions
                {
                    Parent = _image, Platform = _platform, Config = _config, CreatedBy = createdBy,
                    WriteLayer = output => Reroot(tars, srcs.Count > 1 || destIsDir, absDest, owner, mode, output),
                });
            }
            finally { try { run.Engine.Remove(c.Id, force: true, volumes: true); } catch (Exception) { } }
        });
    }

    private static void Reroot(List<(string Src, MemoryStream Tar)> tars, bool into, string absDest, (uint Uid, uint Gid)? owner, UnixFileMode? mode, Stream output)
    {
        using var w = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        var made = new HashSet<string>(StringComparer.Ordinal);
        var dest = absDest.Trim('/');
        foreach (var (_, tar) in tars)
        {
            using var r = new TarReader(tar);
            string? top = null;
            bool topIsDir = false;
            while (r.GetNextEntry(copyData: true) is { } e)
            {
                var name = e.Name.TrimEnd('/');
                if (top is null) { top = name; topIsDir = e.EntryType == TarEntryType.Directory; }
                var rel = name.Length == top.Length ? "" : name[(top.Length + 1)..];
                string target = topIsDir ? Join(dest, rel) : into ? Join(dest, Path.GetFileName(top)) : dest;
                if (target.Length == 0) continue;
                var parts = target.Split('/');
                for (int k = 1; k < parts.Length; k++)
                {
                    var d = string.Join('/', parts[..k]);
                    if (made.Add(d)) w.WriteEntry(new PaxTarEntry(TarEntryType.Directory, d + "/") { Mode = (UnixFileMode)0x1ed, ModificationTime = DateTimeOffset.UnixEpoch });
                }
                if (e.EntryType == TarEntryType.Directory && !made.Add(target)) continue;
                var copy = new PaxTarEntry(e.EntryType is TarEntryType.V7RegularFile ? TarEntryType.RegularFile : e.EntryType, target + (e.EntryType == TarEntryType.Directory ? "/" : ""))
                {
                    ModificationTime = e.ModificationTime, DataStream = e.DataStream,
                    Mode = mode is { } m && e.EntryType != TarEntryType.SymbolicLink ? m : e.Mode,
                    Uid = owner is { } o ? (int)o.Uid : 0, Gid = owner is { } o2 ? (int)o2.Gid : 0,
                };
                if (e.EntryType is TarEntryType.SymbolicLink or TarEntryType.HardLink) copy.LinkName = e.LinkName;
                w.WriteEntry(copy);
            }
        }
    }

    private static string Join(string a, string b) => a.Length == 0 ? b : b.Length == 0 ? a : a + "/" + b;
}
