using System.Net;
using System.Security.Cryptography;

namespace Quai.Build.Executor;

/// <summary>ADD of an http(s) URL, with BuildKit's rules: the file is fetched whole into a temporary file of the
/// store (hashed while it streams; with <c>--checksum</c> a mismatch fails the step and the file is dropped); it
/// is named, when the destination is a directory, by the last element of the URL's path (<c>__unnamed__</c>
/// when the path has none), gets mode 0600 unless <c>--chmod</c>, and the Last-Modified time of the response as
/// its modification time. A URL is never extracted (Docker). Git URLs are refused as not supported yet.</summary>
public static class UrlSource
{
    /// <summary>True for what Docker's ADD fetches over http(s).</summary>
    public static bool IsHttp(string src) =>
        src.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || src.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    /// <summary>True for a git source as BuildKit tells one (<c>git@host:repo</c>, <c>git://</c>, <c>ssh://</c>, or a
    /// URL whose path ends in <c>.git</c>, with an optional <c>#ref</c>).</summary>
    public static bool IsGit(string src)
    {
        if (src.StartsWith("git@", StringComparison.Ordinal) || src.StartsWith("git://", StringComparison.OrdinalIgnoreCase)
            || src.StartsWith("ssh://", StringComparison.OrdinalIgnoreCase)) return true;
        if (!IsHttp(src)) return false;
        var hash = src.IndexOf('#');
        var url = hash < 0 ? src : src[..hash];
        var q = url.IndexOf('?');
        if (q >= 0) url = url[..q];
        return url.TrimEnd('/').EndsWith(".git", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The name BuildKit's Dockerfile frontend gives a fetched file: the base of the URL's path, or
    /// <c>__unnamed__</c> when it is empty or "/".</summary>
    public static string FileName(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var u)) return "__unnamed__";
        var path = Uri.UnescapeDataString(u.AbsolutePath).TrimEnd('/');
        var slash = path.LastIndexOf('/');
        var b = slash < 0 ? path : path[(slash + 1)..];
        return b is "" or "." or ".." ? "__unnamed__" : b;
    }

    /// <summary>Parses <c>--checksum=ALGO:HEX</c> (sha256, sha384 or sha512, as the OCI digest format).</summary>
    /// <exception cref="FormatException">not such a digest.</exception>
    public static (string Algorithm, string Hex) ParseChecksum(string text)
    {
        var colon = text.IndexOf(':');
        var algo = colon < 0 ? "" : text[..colon];
        var hex = colon < 0 ? "" : text[(colon + 1)..];
        int want = algo switch { "sha256" => 64, "sha384" => 96, "sha512" => 128, _ => -1 };
        if (want < 0) throw new FormatException($"invalid checksum digest format \"{text}\": unsupported digest algorithm (sha256, sha384 or sha512)");
        if (hex.Length != want || !hex.All(char.IsAsciiHexDigitLower))
            throw new FormatException($"invalid checksum digest format \"{text}\": want {algo}: and {want} lowercase hex digits");
        return (algo, hex);
    }

    /// <summary>A fetched file: its temporary copy (deleted with the object), its digest and its time.</summary>
    public sealed class Fetched(string path, string sha256, DateTimeOffset modified) : IDisposable
    {
        public string Path { get; } = path;
        /// <summary>"sha256:HEX" of the content.</summary>
        public string Digest { get; } = sha256;
        public DateTimeOffset Modified { get; } = modified;
        public long Length => new FileInfo(Path).Length;
        public Stream OpenRead() => new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        public void Dispose() { try { File.Delete(Path); } catch (IOException) { } }
    }

    private static int _swept;

    /// <summary>The store's directory for a build's temporary files (fetched URLs, COPY --from sources), created 0700;
    /// the first call of a process removes what builds killed before they could (files named after a dead pid).</summary>
    public static string TempDir(string storeRoot)
    {
        var dir = System.IO.Path.Combine(storeRoot, "build-tmp");
        Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (Interlocked.Exchange(ref _swept, 1) == 0)
            foreach (var f in Directory.EnumerateFiles(dir))
            {
                var parts = System.IO.Path.GetFileName(f).Split('-');
                if (parts.Length >= 3 && int.TryParse(parts[1], out var pid) && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
                    try { File.Delete(f); } catch (IOException) { }
            }
        return dir;
    }

    private static readonly HttpClient Client = new(new SocketsHttpHandler
    {
        AutomaticDecompression = DecompressionMethods.None, // the bytes the server sends are the file (Docker)
        AllowAutoRedirect = true,
        MaxAutomaticRedirections = 10,
        ConnectTimeout = TimeSpan.FromSeconds(30),
    }) { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>Fetches <paramref name="url"/> into a new file of <paramref name="tempDir"/>, hashing it as it
    /// streams. With <paramref name="checksum"/>, a content of another digest is an error naming the URL and
    /// both digests, and no file is kept.</summary>
    /// <exception cref="IOException">the request failed or the server answered with an error status.</exception>
    public static Fetched Fetch(string url, string tempDir, (string Algorithm, string Hex)? checksum, string where)
    {
        var path = System.IO.Path.Combine(tempDir, $"add-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using var response = Client.Send(new HttpRequestMessage(HttpMethod.Get, url), HttpCompletionOption.ResponseHeadersRead);
            if (!response.IsSuccessStatusCode)
                throw new BuildException($"{where}: ADD {url}: invalid response status {(int)response.StatusCode} {response.ReasonPhrase}");
            var modified = response.Content.Headers.LastModified ?? DateTimeOffset.UnixEpoch;
            using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var verify = checksum is { } c && c.Algorithm != "sha256" ? IncrementalHash.CreateHash(new HashAlgorithmName(c.Algorithm.ToUpperInvariant())) : null;
            using (var body = response.Content.ReadAsStream())
            using (var f = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
            {
                var buf = new byte[1 << 16];
                int n;
                while ((n = body.Read(buf)) > 0)
                {
                    sha256.AppendData(buf, 0, n);
                    verify?.AppendData(buf, 0, n);
                    f.Write(buf, 0, n);
                }
                f.Flush();
            }
            var digest = "sha256:" + Convert.ToHexStringLower(sha256.GetHashAndReset());
            if (checksum is { } want)
            {
                var got = verify is null ? digest : want.Algorithm + ":" + Convert.ToHexStringLower(verify.GetHashAndReset());
                if (got != want.Algorithm + ":" + want.Hex)
                    throw new BuildException($"{where}: ADD {url}: checksum mismatch: expected {want.Algorithm}:{want.Hex}, got {got}");
            }
            return new Fetched(path, digest, modified);
        }
        catch (HttpRequestException e)
        {
            try { File.Delete(path); } catch (IOException) { }
            throw new BuildException($"{where}: ADD {url}: {e.Message}", 1, e);
        }
        catch
        {
            try { File.Delete(path); } catch (IOException) { }
            throw;
        }
    }
}
