using Quai.Fs;
using Quai.Images.Layers;

namespace Quai.Build.Executor;

/// <summary>What <c>quai build -</c> finds on stdin, told apart by content as docker does.</summary>
public enum StdinKind { Dockerfile, Tar, Gzip, Bzip2, Xz, Zstd }

/// <summary>Where a build's context comes from: a directory given by the user (used in place), or a tar read
/// from stdin (plain, gzip, bzip2, xz or zstd), extracted with the store's hostile-archive rules (entries resolved inside
/// the directory, never written through a symlink, no device nodes) into a private temporary directory that
/// <see cref="Dispose"/> removes, also when the build fails.</summary>
public sealed class ContextSource : IDisposable
{
    private readonly string? _temp; // the private parent of an extracted context
    public string Dir { get; }

    private ContextSource(string dir, string? temp) { Dir = dir; _temp = temp; }

    /// <summary>A directory context (the user's, trusted as the host is).</summary>
    public static ContextSource Directory(string path) => new(Path.GetFullPath(path), null);

    /// <summary>An empty context (a Dockerfile on stdin).</summary>
    public static ContextSource Empty()
    {
        var temp = System.IO.Directory.CreateTempSubdirectory("quai-build-").FullName;
        var dir = System.IO.Directory.CreateDirectory(Path.Combine(temp, "context")).FullName;
        return new ContextSource(dir, temp);
    }

    /// <summary>A remote context docker would fetch: http(s), git URLs and the GitHub shorthand.</summary>
    public static bool IsRemote(string context)
        => context.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || context.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
           || context.StartsWith("git://", StringComparison.OrdinalIgnoreCase) || context.StartsWith("git@", StringComparison.Ordinal)
           || context.StartsWith("github.com/", StringComparison.OrdinalIgnoreCase) || context.StartsWith("ssh://", StringComparison.OrdinalIgnoreCase);

    /// <summary>Docker's test: compressed data or a tar header is an archive; anything else is a Dockerfile.</summary>
    public static StdinKind Detect(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 2 && head[0] == 0x1f && head[1] == 0x8b) return StdinKind.Gzip;
        if (head.Length >= 3 && head[0] == 'B' && head[1] == 'Z' && head[2] == 'h') return StdinKind.Bzip2;
        if (head.Length >= 6 && head[0] == 0xfd && head[1] == '7' && head[2] == 'z' && head[3] == 'X' && head[4] == 'Z' && head[5] == 0) return StdinKind.Xz;
        if (head.Length >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd) return StdinKind.Zstd;
        return IsTarHeader(head) ? StdinKind.Tar : StdinKind.Dockerfile;
    }

    /// <summary>A tar header block: "ustar" at 257, or (old V7 tars) a checksum that matches the block.</summary>
    public static bool IsTarHeader(ReadOnlySpan<byte> head)
    {
        if (head.Length < 512) return false;
        if (head.Slice(257, 5).SequenceEqual("ustar"u8)) return true;
        long sum = 0;
        for (int i = 0; i < 512; i++) sum += i is >= 148 and < 156 ? ' ' : head[i];
        var field = System.Text.Encoding.ASCII.GetString(head.Slice(148, 8)).Trim(' ', '\0');
        try { return field.Length > 0 && Convert.ToInt64(field, 8) == sum; }
        catch (FormatException) { return false; }
        catch (ArgumentException) { return false; }
    }

    /// <summary>Reads stdin's first bytes: a Dockerfile's text (with an empty context) or an extracted tar context.</summary>
    public static ContextSource FromStdin(Stream stdin, out string? dockerfileText)
    {
        var head = new byte[512];
        var n = stdin.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var kind = Detect(head.AsSpan(0, n));
        var all = new Quai.Fs.PrefixedStream(head[..n], stdin);
        if (kind == StdinKind.Dockerfile)
        {
            using var reader = new StreamReader(all);
            dockerfileText = reader.ReadToEnd();
            return Empty();
        }
        dockerfileText = null;
        return Extract(all, kind);
    }

    /// <summary>Extracts a (possibly compressed) context tar into a new private directory.</summary>
    public static ContextSource Extract(Stream archive, StdinKind kind)
    {
        var src = Empty();
        try
        {
            // bzip2 and xz as ADD reads them (their decoders want a seekable stream: stdin is spooled to a file
            // of the private temp directory first); plain, gzip and zstd as the store reads layers
            Stream tar;
            if (kind is StdinKind.Bzip2 or StdinKind.Xz)
            {
                var spool = new FileStream(Path.Combine(Path.GetDirectoryName(src.Dir)!, "stdin.raw"), new FileStreamOptions
                {
                    Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Options = FileOptions.DeleteOnClose,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                });
                archive.CopyTo(spool);
                spool.Position = 0;
                tar = ArchiveSource.Decompress(spool, kind == StdinKind.Xz ? ArchiveCompression.Xz : ArchiveCompression.Bzip2);
            }
            else tar = LayerCompression.Decompress(archive, out _);
            using (tar) TarExtractor.Extract(tar, src.Dir, new ExtractOptions { Owner = (0u, 0u), SkipDevices = true, What = "build context entry" });
            return src;
        }
        catch (Exception e) when (e is InvalidDataException or Quai.Fs.TarFormatException or EndOfStreamException or IOException or UnauthorizedAccessException)
        {
            src.Dispose();
            throw new BuildException($"unable to prepare context: reading the context tar from stdin: {e.Message}", 1, e);
        }
        catch
        {
            src.Dispose();
            throw;
        }
    }

    /// <summary>The Dockerfile at <paramref name="relative"/> inside an extracted context, read in its root (a
    /// symlink there cannot make the host read its own files); null when it is not there.</summary>
    public string? ReadDockerfile(string relative)
    {
        using var root = new InRoot(Dir);
        var bytes = root.TryReadFile(InRoot.Clean(relative), 16 << 20, followFinal: true);
        return bytes is null ? null : System.Text.Encoding.UTF8.GetString(bytes);
    }

    public void Dispose()
    {
        if (_temp is null) return;
        try { System.IO.Directory.Delete(_temp, true); }
        catch (DirectoryNotFoundException) { }
    }
}
