using System.Text;

namespace Quai.Build.Context;

/// <summary>
/// A .dockerignore: which paths of a build context are left out of it, with Docker's semantics (the file
/// read as moby/patternmatcher's ignorefile reads it, each line compiled as patternmatcher compiles it,
/// paths matched as BuildKit's context walk matches them).
/// <list type="bullet">
/// <item>Lines starting with <c>#</c> are comments (only in the first column); blank lines are skipped;
/// whitespace around a line, and after a leading <c>!</c>, is trimmed; a UTF-8 BOM is dropped.</item>
/// <item>Each pattern is cleaned like Go's filepath.Clean (<c>a//b/../c/</c> is <c>a/c</c>) and a leading
/// <c>/</c> is dropped: patterns are relative to the context root.</item>
/// <item><c>*</c> and <c>?</c> do not cross '/', <c>**</c> spans any number of directories (none included),
/// <c>[a-z]</c>/<c>[^…]</c> are classes, <c>\</c> escapes.</item>
/// <item>A pattern that matches a directory excludes everything below it.</item>
/// <item><c>!pattern</c> is an exception: it re-includes what it matches. The last pattern that matches
/// decides.</item>
/// </list>
/// </summary>
public sealed class DockerIgnore
{
    private const int MaxLineBytes = 64 * 1024; // bufio.Scanner's MaxScanTokenSize: a longer line fails in Docker

    private readonly IgnorePattern[] _patterns;
    private readonly bool _hasExceptions;
    private readonly bool _exceptionsLiteral;

    private DockerIgnore(IgnorePattern[] patterns, IReadOnlyList<string> lines)
    {
        _patterns = patterns;
        Patterns = lines;
        _hasExceptions = patterns.Any(p => p.IsException);
        _exceptionsLiteral = patterns.All(p => !p.IsException || p.IsLiteralBeyondTrailingGlob);
    }

    /// <summary>No patterns: nothing is excluded.</summary>
    public static DockerIgnore Empty { get; } = new([], []);

    /// <summary>The patterns as read from the file, in order: trimmed and cleaned, exceptions with their
    /// <c>!</c> (what Docker's ignorefile.ReadAll returns).</summary>
    public IReadOnlyList<string> Patterns { get; }

    internal int Count => _patterns.Length;

    /// <summary>Reads the text of a .dockerignore.</summary>
    /// <param name="text">the file's content.</param>
    /// <param name="name">how errors name the file.</param>
    /// <exception cref="DockerIgnoreException">a line Docker refuses; the message names it.</exception>
    public static DockerIgnore Parse(string text, string name = ".dockerignore")
    {
        var patterns = new List<IgnorePattern>();
        var lines = new List<string>();
        int lineNo = 0;
        foreach (var raw in Lines(text))
        {
            lineNo++;
            var line = lineNo == 1 && raw.StartsWith('\uFEFF') ? raw[1..] : raw;
            if (Encoding.UTF8.GetByteCount(line) >= MaxLineBytes)
                throw new DockerIgnoreException($"{name} line {lineNo}: line too long (Docker reads at most {MaxLineBytes} bytes a line)", lineNo);
            if (line.StartsWith('#')) continue;
            var pattern = line.Trim();
            if (pattern.Length == 0) continue;
            bool invert = pattern[0] == '!';
            if (invert) pattern = pattern[1..].Trim();
            if (pattern.Length > 0)
            {
                pattern = GoPath.Clean(pattern);
                if (pattern.Length > 1 && pattern[0] == '/') pattern = pattern[1..];
            }
            if (invert) pattern = "!" + pattern;
            lines.Add(pattern);
            if (Compile(pattern, name, lineNo) is { } compiled) patterns.Add(compiled);
        }
        return new DockerIgnore([.. patterns], lines);
    }

    /// <summary>The same patterns with an exception for <paramref name="path"/> added last (the builder keeps
    /// the Dockerfile and the .dockerignore in the context this way, as the docker CLI does).</summary>
    /// <remarks>Wildcard characters in the name are escaped, so the exception names that one file (the docker
    /// CLI appends the name as it is: a Dockerfile called <c>Docker[file</c> fails its build).</remarks>
    internal DockerIgnore WithException(string path)
    {
        var sb = new StringBuilder("!");
        foreach (var c in path)
        {
            if (c is '*' or '?' or '[' or ']' or '\\') sb.Append('\\');
            sb.Append(c);
        }
        var pattern = sb.ToString();
        var compiled = Compile(pattern, "exception", 0)!;
        return new DockerIgnore([.. _patterns, compiled], [.. Patterns, pattern]);
    }

    private static IgnorePattern? Compile(string pattern, string name, int line)
    {
        try { return IgnorePattern.Parse(pattern); }
        catch (FormatException e) { throw new DockerIgnoreException($"{name} line {line}: {e.Message}: \"{pattern}\"", line); }
    }

    /// <summary>Lines as Go's bufio.Scanner splits them: at '\n', one '\r' before it dropped, no empty last line.</summary>
    private static IEnumerable<string> Lines(string text)
    {
        int start = 0;
        while (start < text.Length)
        {
            int nl = text.IndexOf('\n', start);
            var line = nl < 0 ? text[start..] : text[start..nl];
            yield return line.EndsWith('\r') ? line[..^1] : line;
            if (nl < 0) yield break;
            start = nl + 1;
        }
    }

    /// <summary>True when <paramref name="path"/> (relative to the context root, '/'-separated; cleaned first,
    /// so <c>./a</c>, <c>/a</c> and <c>a/</c> are <c>a</c>) is left out of the context, either by a pattern
    /// matching it or one matching a directory above it, unless a later exception re-includes it. The root
    /// itself is never excluded. This is the answer the context walk gives.</summary>
    public bool IsExcluded(string path)
    {
        var rel = GoPath.InRoot(path);
        if (rel.Length == 0 || _patterns.Length == 0) return false;
        bool[]? parent = null;
        bool excluded;
        int slash = -1;
        do
        {
            slash = rel.IndexOf('/', slash + 1);
            var flags = new bool[_patterns.Length];
            excluded = Match(slash < 0 ? rel : rel[..slash], parent, flags);
            parent = flags;
        } while (slash >= 0);
        return excluded;
    }

    /// <summary>
    /// Matches one path of a walk, given what each pattern concluded for its parent directory
    /// (patternmatcher's MatchesUsingParentResults): a pattern that matched the parent matches the path; the
    /// others are tried on the path itself, in order, skipping those that cannot change the outcome so far
    /// (an exception while nothing is excluded, a pattern while the path already is). A pattern skipped for
    /// a directory is not inherited by what is below it, even if it would have matched: Docker's answer,
    /// and so this one, depends on it.
    /// </summary>
    /// <param name="path">clean, relative to the root.</param>
    /// <param name="parent">the parent's <paramref name="flags"/>; null for a top-level path. (Without them
    /// patternmatcher tries each parent directory instead; a walk always has them below the top level.)</param>
    /// <param name="flags">receives, per pattern, whether it matched (for the children of a directory).</param>
    /// <returns>true when the path is excluded.</returns>
    internal bool Match(string path, bool[]? parent, bool[] flags)
    {
        bool matched = false;
        for (int i = 0; i < _patterns.Length; i++)
        {
            var p = _patterns[i];
            bool m = parent is not null && parent[i];
            if (!m)
            {
                if (p.IsException != matched) { flags[i] = false; continue; }
                m = p.Matches(path);
            }
            flags[i] = m;
            if (m) matched = !p.IsException;
        }
        return matched;
    }

    /// <summary>patternmatcher's MatchesOrParentMatches: each pattern tried on the path and on every directory
    /// above it, with no inheritance. What the docker CLI and daemon use to decide about the Dockerfile and
    /// the .dockerignore themselves.</summary>
    internal bool MatchesOrParentMatches(string path)
    {
        bool matched = false;
        foreach (var p in _patterns)
        {
            if (p.IsException != matched) continue;
            if (p.Matches(path) || MatchesAParent(p, path)) matched = !p.IsException;
        }
        return matched;
    }

    private static bool MatchesAParent(IgnorePattern p, string path)
    {
        for (int slash = path.IndexOf('/'); slash >= 0; slash = path.IndexOf('/', slash + 1))
            if (p.Matches(path[..slash])) return true;
        return false;
    }

    /// <summary>
    /// For an excluded directory: true when nothing below it can be re-included, so a walk need not enter it
    /// (fsutil's rule). With no exception at all, that is always so. When every exception is literal but for
    /// a final <c>/*</c> or <c>/**</c>, it is so unless one of them names the directory or a path below it.
    /// An exception with a wildcard elsewhere (<c>!**/keep</c>, <c>!*.md</c>) could match anywhere: then
    /// excluded directories are walked too, and only what matches is left out.
    /// </summary>
    internal bool SkipsExcludedDirectory(string dir)
    {
        if (!_exceptionsLiteral) return false;
        if (!_hasExceptions) return true;
        var dirSlash = dir + "/";
        foreach (var p in _patterns)
            if (p.IsException && p.MayReachBelow(dirSlash)) return false;
        return true;
    }
}
