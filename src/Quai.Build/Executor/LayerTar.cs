using System.Formats.Tar;

namespace Quai.Build.Executor;

/// <summary>The tar of one COPY/ADD layer, shared by every kind of source (context files, heredocs, archives,
/// URLs, another image's files). Each entry goes in once, under its parent directories:
/// <list type="bullet">
/// <item>a parent the parent image already has as a directory (<paramref name="existingDir"/>, which follows
/// the image's symlinks inside its root) is left out, so the layer keeps that directory's mode, owner and
/// time (BuildKit's copy onto the parent leaves them alone: <c>COPY f /tmp/f</c> keeps <c>/tmp</c> 1777) and
/// goes through the image's symlinks as BuildKit does (<c>/var/run</c> → <c>/run</c>);</item>
/// <item>a missing one is written root-owned, 0755, at the epoch (as Docker creates them; a fixed time keeps
/// the layer the same from one build to the next).</item>
/// </list>
/// With <c>--link</c> there is no parent to look at (<paramref name="existingDir"/> null): every parent is
/// written, as BuildKit's linked layer, made on an empty filesystem, has them.
/// <para>Entries are written in GNU format (long names and big ids as GNU tar writes them; times in whole
/// seconds): .NET's PAX writer names each extended header after the writing process's id, which would make the
/// same copy give another layer digest in every build.</para></summary>
internal sealed class LayerTar(Stream output, Func<string, bool>? existingDir) : IDisposable
{
    private readonly TarWriter _w = new(output, TarEntryFormat.Gnu, leaveOpen: true);
    private readonly HashSet<string> _dirs = new(StringComparer.Ordinal);   // written (or found in the parent) as directories
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);  // every name written

    /// <summary>True when <paramref name="name"/> (relative, clean) is a directory of the parent image (never with --link).</summary>
    public bool ExistsAsDirectory(string name) => name.Length == 0 || _dirs.Contains(name) || (existingDir?.Invoke(name) ?? false);

    /// <summary>Writes the parents of <paramref name="name"/> (relative, no leading '/') that are neither written
    /// yet nor directories of the parent image.</summary>
    public void Parents(string name)
    {
        int slash = -1;
        while ((slash = name.IndexOf('/', slash + 1)) > 0)
        {
            var dir = name[..slash];
            if (_dirs.Contains(dir)) continue;
            _dirs.Add(dir);
            if (existingDir?.Invoke(dir) == true) continue;
            _names.Add(dir);
            _w.WriteEntry(new GnuTarEntry(TarEntryType.Directory, dir + "/")
            {
                Mode = (UnixFileMode)0x1ed, Uid = 0, Gid = 0, ModificationTime = DateTimeOffset.UnixEpoch,
            });
        }
    }

    /// <summary>Writes <paramref name="entry"/> (its name relative, without a trailing '/') after its parents. A
    /// directory already written, or, when <paramref name="keepExistingDir"/>, one the parent image has, is left
    /// as it is: BuildKit does not change a directory a copy merges into.</summary>
    public void Write(PaxTarEntry entry, bool keepExistingDir = true)
    {
        var name = entry.Name.TrimEnd('/');
        if (name.Length == 0) return;
        Parents(name);
        if (entry.EntryType == TarEntryType.Directory)
        {
            if (_names.Contains(name)) return;
            if (!_dirs.Add(name) && keepExistingDir) return;
            if (keepExistingDir && existingDir?.Invoke(name) == true) return;
        }
        else _dirs.Remove(name);
        _names.Add(name);
        var g = new GnuTarEntry(entry.EntryType, entry.Name)
        {
            Mode = entry.Mode, Uid = entry.Uid, Gid = entry.Gid, ModificationTime = entry.ModificationTime,
        };
        if (entry.DataStream is { } data) g.DataStream = data;
        if (entry.EntryType is TarEntryType.SymbolicLink or TarEntryType.HardLink) g.LinkName = entry.LinkName;
        if (entry.EntryType is TarEntryType.CharacterDevice or TarEntryType.BlockDevice) { g.DeviceMajor = entry.DeviceMajor; g.DeviceMinor = entry.DeviceMinor; }
        _w.WriteEntry(g);
    }

    public void Dispose() => _w.Dispose();
}
