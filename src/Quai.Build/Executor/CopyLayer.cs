using System.Formats.Tar;
using Quai.Build.Context;

namespace Quai.Build.Executor;

/// <summary>Writes the layer of a COPY from the build context: each file under its destination, the
/// destination's parent directories first (root-owned, 0755, as Docker creates them). Files are read
/// through the context's descriptors (never by path), so nothing outside the context reaches a layer.</summary>
public sealed class CopyLayer(BuildContext context, (uint Uid, uint Gid)? owner, UnixFileMode? mode)
{
    private readonly List<(ContextEntry? Entry, string Dest, byte[]? Content)> _items = [];

    /// <summary>Adds <paramref name="entry"/> (and, for a directory, what it holds) at <paramref name="dest"/>
    /// (an absolute path in the image; a directory's contents go below it).</summary>
    public void Add(ContextEntry entry, string dest)
    {
        if (entry.Type != ContextEntryType.Directory) { _items.Add((entry, dest, null)); return; }
        var prefix = entry.Path.Length == 0 ? 0 : entry.Path.Length + 1;
        foreach (var e in context.Tree(entry))
        {
            var rel = e.Path.Length <= entry.Path.Length ? "" : e.Path[prefix..];
            _items.Add((e, rel.Length == 0 ? dest : dest.TrimEnd('/') + "/" + rel, null));
        }
    }

    /// <summary>A file with the given content (COPY &lt;&lt;EOF).</summary>
    public void AddContent(string dest, byte[] content) => _items.Add((null, dest, content));

    public void Write(Stream output)
    {
        using var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        var made = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (entry, dest, content) in _items)
        {
            var name = dest.Trim('/');
            if (name.Length == 0 && entry?.Type == ContextEntryType.Directory) continue;
            // parents
            var parts = name.Split('/');
            for (int i = 1; i < parts.Length; i++)
            {
                var dir = string.Join('/', parts[..i]);
                if (made.Add(dir)) tar.WriteEntry(Dir(dir, null));
            }
            if (entry is null)
            {
                var f = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content!) };
                Own(f, null, 0x1a4);
                tar.WriteEntry(f);
                continue;
            }
            switch (entry.Type)
            {
                case ContextEntryType.Directory:
                    if (made.Add(name)) tar.WriteEntry(Dir(name, entry));
                    break;
                case ContextEntryType.Symlink:
                    var l = new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = entry.LinkTarget ?? "" };
                    Own(l, entry, 0x1ff, keepMode: true);
                    tar.WriteEntry(l);
                    break;
                case ContextEntryType.File:
                    using (var data = context.OpenRead(entry))
                    {
                        var fe = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = data };
                        Own(fe, entry, entry.Mode);
                        tar.WriteEntry(fe);
                    }
                    break;
                default:
                    throw new BuildException($"COPY {entry.Path}: a {entry.Type} is not copied into an image");
            }
        }
    }

    private PaxTarEntry Dir(string name, ContextEntry? entry)
    {
        var d = new PaxTarEntry(TarEntryType.Directory, name + "/");
        Own(d, entry, entry?.Mode ?? 0x1ed);
        return d;
    }

    private void Own(PaxTarEntry e, ContextEntry? entry, uint bits, bool keepMode = false)
    {
        // Docker: COPY makes files root's (or --chown's); --chmod replaces the mode bits
        (e.Uid, e.Gid) = owner is { } o ? ((int)o.Uid, (int)o.Gid) : (0, 0);
        e.Mode = !keepMode && mode is { } m && entry is not null ? m : (UnixFileMode)(bits & 0xfff);
        e.ModificationTime = DateTimeOffset.UnixEpoch;
    }
}
