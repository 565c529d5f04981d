using Microsoft.Win32.SafeHandles;
using Quai.Fs;
using Quai.Interop;
using Quai.Oci.Image;

namespace Quai.Build.Context;

/// <summary>
/// The build context of <c>quai build DIR</c>: a directory on the host, opened once as a descriptor and
/// walked once, from that descriptor, without following any symlink (a link is an entry with a target,
/// wherever it points). What the walk keeps is what Docker would send: everything the context's
/// .dockerignore does not exclude, plus the Dockerfile and the .dockerignore themselves.
/// <para>COPY sources resolve against that listing, never the host: <c>../x</c> and <c>/x</c> are
/// <c>x</c> of the context, a wildcard matches as Go's filepath.Match, and a symlink met on the way is
/// followed inside the context only (its absolute target starts at the context root, its <c>..</c> stops
/// there). Files are read through descriptors opened from the root with every symlink refused, and must
/// still be the inode the walk saw.</para>
/// </summary>
/// <remarks>Not thread-safe. The listing is a snapshot: a file the host changes later is read as it is then
/// (sized as it was), one replaced by another inode or removed is an error.</remarks>
public sealed class BuildContext : IDisposable
{
    private const int MaxDockerignoreBytes = 4 << 20;
    private const int MaxSymlinks = 255; // what BuildKit's scoped resolution (continuity's RootPath) allows

    private readonly SafeFd _root;
    private readonly InRoot _inRoot;
    private readonly string _where;
    private readonly List<ContextEntry> _entries;
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly List<string> _hidden = [];
    private readonly Dictionary<string, byte[]> _contentHashes = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <summary>The directory as the user gave it (messages only: nothing is opened by this path again).</summary>
    public string HostPath { get; }

    /// <summary>The context's .dockerignore (<see cref="DockerIgnore.Empty"/> when it has none).</summary>
    public DockerIgnore Ignore { get; }

    /// <summary>The context root itself (path "").</summary>
    public ContextEntry Root { get; }

    /// <summary>Everything the context sends, in walk order (names sorted, a directory before its
    /// contents), the root not included.</summary>
    public IReadOnlyList<ContextEntry> Entries => _entries;

    private BuildContext(SafeFd root, string hostPath, string? dockerfile, string? ignoreText = null)
    {
        _root = root;
        HostPath = hostPath;
        _where = $"build context {hostPath}";
        _inRoot = new InRoot(root.Fd, _where);
        var st = NativeFs.FstatAt(root.Fd, "", NativeFs.AT_EMPTY_PATH, _where);
        Root = ContextWalk.FromStat("", root.Fd, st, _where)!;

        var text = ignoreText is not null ? null : _inRoot.TryReadFile(".dockerignore", MaxDockerignoreBytes, followFinal: true);
        Ignore = ignoreText is not null ? DockerIgnore.Parse(ignoreText)
            : text is null ? DockerIgnore.Empty : DockerIgnore.Parse(System.Text.Encoding.UTF8.GetString(text));

        // As the docker CLI does: the .dockerignore and the Dockerfile are sent even when excluded (an
        // exception is added for each), and the daemon takes them out of what COPY sees.
        var walkWith = Ignore;
        foreach (var buildFile in new[] { ".dockerignore", dockerfile })
        {
            if (buildFile is null || !Ignore.MatchesOrParentMatches(buildFile)) continue;
            walkWith = walkWith.WithException(buildFile);
            _hidden.Add(buildFile);
        }
        _entries = ContextWalk.Walk(root.Fd, _where, walkWith);
        for (int i = 0; i < _entries.Count; i++) _index[_entries[i].Path] = i;
    }

    /// <summary>Opens the directory <paramref name="hostPath"/> as a build context and lists it.</summary>
    /// <param name="hostPath">the context directory (a symlink to one is followed: the user named it).</param>
    /// <param name="dockerfile">the Dockerfile's path relative to the context, or null when it is not in it
    /// (given on stdin, or outside the directory).</param>
    /// <exception cref="DirectoryNotFoundException">the path does not exist.</exception>
    /// <exception cref="IOException">it is not a directory, or cannot be read.</exception>
    /// <exception cref="DockerIgnoreException">its .dockerignore is one Docker would refuse.</exception>
    /// <param name="ignoreText">the Dockerfile's own ignore file (<c>NAME.dockerignore</c> next to it), used
    /// instead of the context's .dockerignore; null: the context's.</param>
    public static BuildContext Open(string hostPath, string? dockerfile = "Dockerfile", string? ignoreText = null)
    {
        if (dockerfile is not null)
        {
            var clean = GoPath.Clean(dockerfile);
            if (clean == "." || clean.StartsWith('/') || clean == ".." || clean.StartsWith("../", StringComparison.Ordinal))
                throw new ArgumentException($"the Dockerfile \"{dockerfile}\" is not a path inside the context", nameof(dockerfile));
            dockerfile = clean;
        }
        var fd = NativeFs.TryOpenAt(NativeFs.AT_FDCWD, hostPath, NativeFs.O_PATH | NativeFs.O_DIRECTORY, 0);
        if (fd == -Errno.ENOENT) throw new DirectoryNotFoundException($"unable to prepare context: path \"{hostPath}\" not found");
        if (fd == -Errno.ENOTDIR) throw new IOException($"unable to prepare context: context must be a directory: {hostPath}");
        if (fd < 0) throw new ErrnoException($"open build context {hostPath}", -fd);
        var root = new SafeFd(fd);
        try { return new BuildContext(root, hostPath, dockerfile, ignoreText); }
        catch { root.Dispose(); throw; }
    }

    /// <summary>
    /// What a COPY (or ADD) source names in the context. The source is taken relative to the context root
    /// whatever it starts with (<c>/a</c>, <c>../a</c>, <c>./a</c> are <c>a</c>; <c>.</c> is the root).
    /// <list type="bullet">
    /// <item>Without a wildcard: the one entry at that path, symlinks on the way, the last one included,
    /// followed inside the context.</item>
    /// <item>From the first element with an unescaped <c>*</c>, <c>?</c> or <c>[</c> on, the rest is a
    /// filepath.Match pattern tried against every path below the elements before it (themselves resolved as
    /// above), in walk order; a matched directory is one match (nothing below it is tried), a matched symlink
    /// is followed. No match is an empty list, as in BuildKit.</item>
    /// </list>
    /// The Dockerfile and the .dockerignore are not found when the .dockerignore excludes them.
    /// </summary>
    /// <exception cref="FileNotFoundException">a path without wildcard, or the directory a wildcard is
    /// matched in, is not in the context (or a symlink leads out of what it holds).</exception>
    /// <exception cref="ArgumentException">the wildcard is malformed (BuildKit silently matches nothing).</exception>
    /// <exception cref="IOException">more than 255 symlinks on the way.</exception>
    public IReadOnlyList<SourceMatch> ResolveSource(string source)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var rel = GoPath.InRoot(source);
        var elements = rel.Length == 0 ? [] : rel.Split('/');
        int wild = Array.FindIndex(elements, GoGlob.ContainsWildcards);
        if (wild < 0)
            return [new SourceMatch(rel, Follow(rel, source) ?? throw NotFound(source))];

        var baseRel = string.Join('/', elements[..wild]);
        var patternText = string.Join('/', elements[wild..]);
        PatternProgram pattern;
        try { pattern = GoGlob.Compile(patternText); }
        catch (FormatException e) { throw new ArgumentException($"COPY source \"{source}\": {e.Message}", nameof(source), e); }
        var under = Follow(baseRel, source) ?? throw NotFound(source);
        var matches = new List<SourceMatch>();
        if (under.Type != ContextEntryType.Directory) return matches;
        string? matchedDir = null; // a matched directory: nothing below it is tried
        int prefixLength = under.Path.Length == 0 ? 0 : under.Path.Length + 1;
        foreach (var e in Below(under))
        {
            if (matchedDir is not null && e.Path.StartsWith(matchedDir, StringComparison.Ordinal)) continue;
            matchedDir = null;
            if (!pattern.Matches(e.Path[prefixLength..])) continue;
            var target = e.Type == ContextEntryType.Symlink ? Follow(e.Path, source) ?? throw NotFound(e.Path) : e;
            matches.Add(new SourceMatch(e.Path, target));
            if (e.Type == ContextEntryType.Directory) matchedDir = e.Path + "/";
        }
        return matches;
    }

    /// <summary>An entry and, for a directory, everything the context holds below it, in walk order: what a
    /// COPY of it takes (without the Dockerfile and .dockerignore when those are excluded).</summary>
    /// <exception cref="ArgumentException">the entry is not one of this context's.</exception>
    public IEnumerable<ContextEntry> Tree(ContextEntry entry)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckOwn(entry);
        return Iterate();

        IEnumerable<ContextEntry> Iterate()
        {
            yield return entry;
            if (entry.Type == ContextEntryType.Directory)
                foreach (var e in Below(entry)) yield return e;
        }
    }

    /// <summary>The build-cache checksum of a COPY source: a SHA-256 over what <see cref="ResolveSource"/>
    /// matches and everything below each match: per entry its path relative to the match, type, permission
    /// bits, uid and gid, symlink target, device number, size and content; never a timestamp. Touching a file
    /// keeps it; changing a byte, a mode or an owner changes it.</summary>
    /// <exception cref="FileNotFoundException">as <see cref="ResolveSource"/>, or a file is gone since the walk.</exception>
    public Digest Checksum(string source) => ContextChecksum.Compute(this, ResolveSource(source));

    /// <summary>Opens a regular file of the context to read, through a descriptor resolved from the root with
    /// every symlink refused, checked to be the inode the walk listed. The stream has exactly
    /// <see cref="ContextEntry.Size"/> bytes (cut or zero-padded if the file changed size since).</summary>
    /// <exception cref="ArgumentException">not a regular file of this context.</exception>
    /// <exception cref="IOException">the file was removed or replaced since the walk.</exception>
    public Stream OpenRead(ContextEntry file)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckOwn(file);
        if (file.Type != ContextEntryType.File)
            throw new ArgumentException($"{file.Path} in {_where}: not a regular file (a {file.Type}), not read", nameof(file));
        var fd = _inRoot.TryOpen(file.Path, NativeFs.O_RDONLY | NativeFs.O_NONBLOCK | NativeFs.O_NOFOLLOW, noSymlinks: true);
        if (fd == -Errno.ENOENT || fd == -Errno.ENOTDIR) throw new FileNotFoundException($"{file.Path} in {_where}: removed since the context was read", file.Path);
        if (fd == -Errno.ELOOP || fd == -Errno.EXDEV) throw Changed(file);
        if (fd < 0) throw new ErrnoException($"open {file.Path} in {_where}", -fd);
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            var st = NativeFs.FstatAt(fd, "", NativeFs.AT_EMPTY_PATH, $"{file.Path} in {_where}");
            if (st.Type != NativeFs.S_IFREG || st.Dev != file.Dev || st.Ino != file.Ino) throw Changed(file);
            // as the walk sized it: a file edited during the build cannot make a copy disagree with its checksum
            return new FixedLengthStream(new FileStream(handle, FileAccess.Read, 1 << 16), file.Size, ownsInner: true);
        }
        catch { handle.Dispose(); throw; }
    }

    /// <summary>The SHA-256 of a file's content, read once per context.</summary>
    internal byte[] ContentHash(ContextEntry file)
    {
        lock (_contentHashes) // stages of a build run in parallel
            if (_contentHashes.TryGetValue(file.Path, out var known)) return known;
        byte[] hash;
        using (var s = OpenRead(file)) hash = System.Security.Cryptography.SHA256.HashData(s);
        lock (_contentHashes) _contentHashes[file.Path] = hash;
        return hash;
    }

    /// <summary>The entries below a directory, in walk order, without the hidden build files.</summary>
    private IEnumerable<ContextEntry> Below(ContextEntry dir)
    {
        int start = dir.Path.Length == 0 ? 0 : _index[dir.Path] + 1;
        var prefix = dir.Path.Length == 0 ? "" : dir.Path + "/";
        for (int i = start; i < _entries.Count && _entries[i].Path.StartsWith(prefix, StringComparison.Ordinal); i++)
            if (!IsHidden(_entries[i].Path)) yield return _entries[i];
    }

    /// <summary>The visible entry at a clean relative path ("" for the root), or null.</summary>
    private ContextEntry? Lookup(string path)
    {
        if (path.Length == 0) return Root;
        return _index.TryGetValue(path, out var i) && !IsHidden(path) ? _entries[i] : null;
    }

    private bool IsHidden(string path)
    {
        foreach (var h in _hidden)
            if (path == h || (path.Length > h.Length && path[h.Length] == '/' && path.StartsWith(h, StringComparison.Ordinal))) return true;
        return false;
    }

    /// <summary>Resolves a clean relative path through the listing, following every symlink on the way inside
    /// the context (an absolute target restarts at the root, <c>..</c> stops at it); null when something on
    /// the way is missing or not a directory.</summary>
    private ContextEntry? Follow(string rel, string source)
    {
        var parts = new List<string>(rel.Split('/', StringSplitOptions.RemoveEmptyEntries));
        var current = "";
        int links = 0;
        for (int pos = 0; pos < parts.Count;)
        {
            var name = parts[pos++];
            if (name == ".") continue;
            if (name == "..")
            {
                var slash = current.LastIndexOf('/');
                current = slash < 0 ? "" : current[..slash];
                continue;
            }
            var path = current.Length == 0 ? name : current + "/" + name;
            var e = Lookup(path);
            if (e is null) return null;
            if (e.Type == ContextEntryType.Symlink)
            {
                if (++links > MaxSymlinks) throw new IOException($"COPY source \"{source}\" in {_where}: too many levels of symbolic links");
                var target = e.LinkTarget!;
                if (target.Length == 0) return null;
                if (target[0] == '/') current = "";
                parts.InsertRange(pos, target.Split('/', StringSplitOptions.RemoveEmptyEntries));
                continue;
            }
            if (pos < parts.Count && e.Type != ContextEntryType.Directory) return null;
            current = path;
        }
        return Lookup(current);
    }

    private void CheckOwn(ContextEntry entry)
    {
        bool own = entry.Path.Length == 0 ? ReferenceEquals(entry, Root) : _index.TryGetValue(entry.Path, out var i) && ReferenceEquals(_entries[i], entry);
        if (!own) throw new ArgumentException($"{entry.Path}: not an entry of {_where}", nameof(entry));
    }

    private FileNotFoundException NotFound(string source)
        => new($"COPY source \"{source}\": not found in {_where}", source);

    private IOException Changed(ContextEntry file)
        => new($"{file.Path} in {_where}: replaced since the context was read (not the file the build listed)");

    /// <summary>Closes the context's descriptor.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _root.Dispose();
    }
}
