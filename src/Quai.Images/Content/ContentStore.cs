using Quai.Interop;
using System.Security.Cryptography;
using Quai.Fs;
using Quai.Oci.Image;

namespace Quai.Images.Content;

/// <summary>Content-addressable blobs under <c>&lt;root&gt;/content/blobs/sha256/&lt;hex&gt;</c>.
/// A blob is written to <c>content/ingest/</c>, its digest and size are verified, it is flushed to disk,
/// and only then renamed into place: a blob that is visible is always complete and correct.</summary>
public sealed class ContentStore
{
    public string Root { get; }
    public string BlobsDir { get; }
    public string IngestDir { get; }

    public ContentStore(string root)
    {
        Root = root;
        BlobsDir = Path.Combine(root, "blobs", Digest.Sha256);
        IngestDir = Path.Combine(root, "ingest");
        PrivateStore.EnsureDir(root, migrate: dir => PrivateStore.RestrictTree(dir));
        PrivateStore.EnsureDir(BlobsDir);
        PrivateStore.EnsureDir(IngestDir);
    }

    public string BlobPath(Digest digest) => Path.Combine(BlobsDir, digest.Hex);

    public bool Exists(Digest digest) => File.Exists(BlobPath(digest));

    public long Size(Digest digest)
    {
        var fi = new FileInfo(BlobPath(digest));
        return fi.Exists ? fi.Length : throw new BlobNotFoundException(digest);
    }

    public Stream OpenRead(Digest digest)
    {
        try
        {
            return new FileStream(BlobPath(digest), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        }
        catch (FileNotFoundException)
        {
            throw new BlobNotFoundException(digest);
        }
    }

    /// <summary>Reads a small blob (manifest, index, config) into memory, refusing anything larger than
    /// <paramref name="maxSize"/> so a hostile descriptor cannot make us allocate gigabytes.</summary>
    public byte[] ReadAll(Digest digest, long maxSize = 16 << 20)
    {
        using var s = OpenRead(digest);
        if (s.Length > maxSize) throw new InvalidDataException($"blob {digest} is {s.Length} bytes, more than the {maxSize} allowed for a JSON document");
        var buf = new byte[s.Length];
        s.ReadExactly(buf);
        return buf;
    }

    /// <summary>Writes <paramref name="source"/> into the store. When <paramref name="expected"/> or
    /// <paramref name="expectedSize"/> are given, the content must match them or nothing is stored.
    /// <paramref name="what"/> names the source in errors (e.g. the archive member).</summary>
    public (Digest Digest, long Size) Ingest(Stream source, Digest? expected, long? expectedSize, string what, Action<Digest>? beforeCommit = null)
    {
        var temp = Path.Combine(IngestDir, $"{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            Digest digest;
            long size = 0;
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            using (var fs = new FileStream(temp, PrivateStore.NewFile(FileMode.CreateNew, bufferSize: 1 << 16)))
            {
                var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
                try
                {
                    int n;
                    while ((n = source.Read(buffer, 0, buffer.Length)) > 0)
                    {
                        hash.AppendData(buffer, 0, n);
                        fs.Write(buffer, 0, n);
                        size += n;
                        if (size == n) FaultPoint.Hit("images.ingest.writing");
                        if (expectedSize is { } max && size > max)
                            throw new InvalidDataException($"{what}: content is larger than the {max} bytes its descriptor declares");
                    }
                }
                finally
                {
                    System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                }
                digest = Digest.FromHash(hash.GetHashAndReset());
                fs.Flush(flushToDisk: true);
            }
            if (expectedSize is { } es && es != size)
                throw new InvalidDataException($"{what}: size mismatch: descriptor says {es} bytes, content has {size}");
            if (expected is { } ed && ed != digest)
                throw new InvalidDataException($"{what}: digest mismatch: expected {ed}, content is {digest}");
            // The caller leases the digest here, before the blob can be seen, so a concurrent GC cannot remove it.
            beforeCommit?.Invoke(digest);
            var final = BlobPath(digest);
            if (File.Exists(final))
                File.Delete(temp);
            else
                File.Move(temp, final, overwrite: true);
            return (digest, size);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    public (Digest Digest, long Size) Ingest(ReadOnlySpan<byte> data, string what, Action<Digest>? beforeCommit = null)
    {
        var digest = Digest.Compute(data);
        using var ms = new MemoryStream(data.ToArray());
        return Ingest(ms, digest, data.Length, what, beforeCommit);
    }

    public void Delete(Digest digest) => TryDelete(BlobPath(digest));

    /// <summary>Moves a blob to <paramref name="entry"/> (GC's trash); false when it was not there.</summary>
    public bool MoveTo(Digest digest, string entry) => Gc.Trash.Move(BlobPath(digest), entry);

    /// <summary>Moves a trashed blob back, unless the blob was ingested again meanwhile.</summary>
    public void Restore(Digest digest, string entry)
    {
        if (!File.Exists(BlobPath(digest))) File.Move(entry, BlobPath(digest));
    }

    public IEnumerable<Digest> List()
    {
        foreach (var f in Directory.EnumerateFiles(BlobsDir))
            if (Digest.TryParse("sha256:" + Path.GetFileName(f), out var d)) yield return d;
    }

    /// <summary>Removes ingest files left by processes that no longer exist (a crash mid-write).</summary>
    public void CleanStaleIngests()
    {
        foreach (var f in Directory.EnumerateFiles(IngestDir))
        {
            var name = Path.GetFileName(f);
            int dash = name.IndexOf('-');
            if (dash > 0 && int.TryParse(name[..dash], out var pid) && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
                TryDelete(f);
        }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

public sealed class BlobNotFoundException(Digest digest) : FileNotFoundException($"content {digest}: blob not found in the store")
{
    public Digest Digest { get; } = digest;
}
