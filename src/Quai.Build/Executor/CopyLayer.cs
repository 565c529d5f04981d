using System.Formats.Tar;
using Quai.Build.Context;

namespace Quai.Build.Executor;

/// <summary>Where one COPY/ADD source lands, by Docker's rules: <see cref="At"/> the destination itself,
/// <see cref="Into"/> the destination directory under the source's name (a destination ending in '/', several
/// sources), or <see cref="IntoIfDirectory"/>: into it when the parent image has it as a directory (its symlinks
/// followed inside the image), else at it.</summary>
internal enum Placement { At, Into, IntoIfDirectory }

/// <summary>Writes the layer of a COPY/ADD from the build context, heredocs, fetched URLs and local archives:
/// each entry under its destination, through a <see cref="LayerTar"/> (one rule for parent directories). Files
/// are read through the context's descriptors (never by path), so nothing outside the context reaches a layer.
/// Copied entries keep their modification time (BuildKit does; the cache never looks at it), are root's unless
/// --chown, and keep their mode unless --chmod.</summary>
internal sealed class CopyLayer(BuildContext context, ChmodSpec? chmod)
{
    private abstract record Item;
    private sealed record FileItem(ContextEntry Entry, string Dest, string Name, Placement Placement) : Item;
    private sealed record TreeItem(ContextEntry Dir, string Dest, Func<string, bool> Excluded) : Item;
    private sealed record ContentItem(byte[] Content, string Dest, string Name, Placement Placement) : Item;
    private sealed record ArchiveItem(ContextEntry Archive, string Name, string Dest, string Where) : Item;
    private sealed record UrlItem(Func<UrlSource.Fetched> Fetch, string Dest, string Name, Placement Placement) : Item;

    private readonly List<Item> _items = [];

    /// <summary>The owner every entry gets (null: root, or the archive's for an extracted archive); set before <see cref="Write"/>.</summary>
    public (uint Uid, uint Gid)? Owner { get; set; }

    /// <summary>A file (or what a symlink source leads to) at <paramref name="dest"/> (absolute in the image), named
    /// <paramref name="name"/> when it goes into a directory.</summary>
    public void AddFile(ContextEntry entry, string dest, string name, Placement placement) => _items.Add(new FileItem(entry, dest, name, placement));

    /// <summary>A directory's contents (and the directory itself, unless the parent image has it) at <paramref name="dest"/>;
    /// <paramref name="excluded"/> takes a path relative to the directory (--exclude).</summary>
    public void AddTree(ContextEntry dir, string dest, Func<string, bool> excluded) => _items.Add(new TreeItem(dir, dest, excluded));

    /// <summary>A file with the given content (COPY &lt;&lt;EOF).</summary>
    public void AddContent(byte[] content, string dest, string name, Placement placement) => _items.Add(new ContentItem(content, dest, name, placement));

    /// <summary>A local archive (ADD), extracted into the directory <paramref name="dest"/>.</summary>
    public void AddArchive(ContextEntry archive, string name, string dest, string where) => _items.Add(new ArchiveItem(archive, name, dest, where));

    /// <summary>A fetched URL (ADD), fetched when the layer is written if not yet.</summary>
    public void AddUrl(Func<UrlSource.Fetched> fetch, string dest, string name, Placement placement) => _items.Add(new UrlItem(fetch, dest, name, placement));

    /// <summary>Writes the layer. <paramref name="parentDir"/> answers whether a path (relative to the image root) is a
    /// directory of the parent image; null with --link or on scratch.</summary>
    public void Write(Stream output, Func<string, bool>? parentDir)
    {
        using var tar = new LayerTar(output, parentDir);
        foreach (var item in _items)
        {
            switch (item)
            {
                case FileItem f:
                    WriteEntry(tar, f.Entry, Target(tar, f.Dest, f.Name, f.Placement));
                    break;
                case TreeItem t:
                    var root = Rel(t.Dest);
                    var prefix = t.Dir.Path.Length == 0 ? 0 : t.Dir.Path.Length + 1;
                    foreach (var e in context.Tree(t.Dir))
                    {
                        var rel = e.Path.Length <= t.Dir.Path.Length ? "" : e.Path[prefix..];
                        if (rel.Length > 0 && t.Excluded(rel)) continue;
                        WriteEntry(tar, e, Join(root, rel));
                    }
                    break;
                case ContentItem c:
                    var fe = new PaxTarEntry(TarEntryType.RegularFile, Target(tar, c.Dest, c.Name, c.Placement)) { DataStream = new MemoryStream(c.Content) };
                    Own(fe, 0x1a4, false, applyChmod: true, DateTimeOffset.UnixEpoch);
                    tar.Write(fe);
                    break;
                case ArchiveItem a:
                    var tarStream = ArchiveSource.TryOpenTar(() => context.OpenRead(a.Archive))
                                    ?? throw new IOException($"ADD {a.Name}: the archive changed since it was read");
                    using (tarStream)
                        ArchiveSource.Extract(tarStream, a.Name, Rel(a.Dest), tar, Owner, chmod, a.Where);
                    break;
                case UrlItem u:
                    var fetched = u.Fetch();
                    using (var data = fetched.OpenRead())
                    {
                        var ue = new PaxTarEntry(TarEntryType.RegularFile, Target(tar, u.Dest, u.Name, u.Placement)) { DataStream = data };
                        Own(ue, 0x180 /* 0600, as BuildKit's http source */, false, applyChmod: true, fetched.Modified);
                        tar.Write(ue);
                    }
                    break;
            }
        }
    }

    private static string Target(LayerTar tar, string dest, string name, Placement placement)
    {
        var d = Rel(dest);
        return placement switch
        {
            Placement.Into => Join(d, name),
            Placement.IntoIfDirectory when d.Length == 0 || tar.ExistsAsDirectory(d) => Join(d, name),
            _ => d,
        };
    }

    private void WriteEntry(LayerTar tar, ContextEntry entry, string name)
    {
        if (name.Length == 0) return; // the root itself: left as the parent image has it
        switch (entry.Type)
        {
            case ContextEntryType.Directory:
                var d = new PaxTarEntry(TarEntryType.Directory, name + "/");
                Own(d, entry.Mode, true, applyChmod: true, entry.ModTime);
                tar.Write(d);
                break;
            case ContextEntryType.Symlink:
                var l = new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = entry.LinkTarget ?? "" };
                Own(l, 0x1ff, false, applyChmod: false, entry.ModTime);
                tar.Write(l);
                break;
            case ContextEntryType.File:
                using (var data = context.OpenRead(entry))
                {
                    var fe = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = data };
                    Own(fe, entry.Mode, false, applyChmod: true, entry.ModTime);
                    tar.Write(fe);
                }
                break;
            default:
                throw new BuildException($"COPY {entry.Path}: a {entry.Type} is not copied into an image");
        }
    }

    private void Own(PaxTarEntry e, uint bits, bool isDir, bool applyChmod, DateTimeOffset mtime)
    {
        // Docker: COPY makes files root's (or --chown's); --chmod sets the mode bits
        (e.Uid, e.Gid) = Owner is { } o ? ((int)o.Uid, (int)o.Gid) : (0, 0);
        e.Mode = (UnixFileMode)((applyChmod && chmod is not null ? chmod.Apply(bits, isDir) : bits) & 0xfff);
        e.ModificationTime = mtime;
    }

    internal static string Rel(string abs) => Quai.Fs.InRoot.Clean(abs);
    internal static string Join(string a, string b) => a.Length == 0 ? b : b.Length == 0 ? a : a + "/" + b;
}
