using Quai.Images.Gc;
using Quai.Interop;
using Quai.Oci.Image;

namespace Quai.Images;

/// <summary>One pull into the store (<see cref="ImageStore.BeginPull"/>). Thread-safe: layers may be ingested from
/// several threads at once while a <see cref="LayerPipeline"/> unpacks them. Every blob is leased before it becomes
/// visible (or, when already present, by <see cref="HasBlob"/>), every snapshot before it is made, all under one
/// lease; <see cref="Commit"/> records the image, its tags and its repo digest in one transaction. Disposed without a
/// commit (a failed or interrupted pull), the session stops its pipelines, releases the lease and collects what only
/// it held; a pull killed outright leaves a lease of a dead process, which the next <see cref="ImageStore.Open"/> collects.</summary>
public sealed class PullSession : IDisposable
{
    private readonly ImageStore _store;
    private readonly Lease _lease;
    private readonly Lock _lock = new();
    private readonly List<LayerPipeline> _pipelines = [];
    private bool _committed, _disposed;

    internal PullSession(ImageStore store)
    {
        _store = store;
        _lease = new Lease(store.Metadata);
    }

    /// <summary>The lease holding this pull's blobs and snapshots.</summary>
    public string LeaseId => _lease.Id;

    /// <summary>Whether the blob is in the store already (then it is leased, so it stays, and need not be downloaded).</summary>
    public bool HasBlob(Digest digest)
    {
        ThrowIfDisposed();
        // lease first, then look: a collection either ran before (and the blob is gone) or sees the lease
        _lease.Add(Lease.Blob, digest.ToString());
        return _store.Content.Exists(digest);
    }

    /// <summary>Streams a blob into the store, verifying its size and digest against <paramref name="expected"/> as it
    /// goes: a blob that does not match is refused (<see cref="InvalidDataException"/> naming <paramref name="what"/>)
    /// and nothing of it is stored.</summary>
    public void IngestBlob(Stream source, Descriptor expected, string what)
    {
        ThrowIfDisposed();
        if (!Digest.TryParse(expected.Digest, out var digest, out var why)) throw new InvalidDataException($"{what}: invalid digest \"{expected.Digest}\": {why}");
        if (expected.Size < 0) throw new InvalidDataException($"{what}: invalid size {expected.Size}");
        _store.Content.Ingest(source, digest, expected.Size, what, d => _lease.Add(Lease.Blob, d.ToString()));
        FaultPoint.Hit("images.pull.ingested");
    }

    /// <summary>Stores a manifest, index or config already fetched (and, when <paramref name="expected"/> is given,
    /// checks it is that digest); returns its digest.</summary>
    public Digest IngestJson(byte[] bytes, Digest? expected, string what)
    {
        ThrowIfDisposed();
        using var source = new MemoryStream(bytes, writable: false);
        return _store.Content.Ingest(source, expected, bytes.Length, what, d => _lease.Add(Lease.Blob, d.ToString())).Digest;
    }

    /// <summary>Starts unpacking <paramref name="manifest"/>'s layers on a thread of its own: layer i as soon as it and
    /// every layer below it have <see cref="LayerPipeline.Arrived"/>. Report every layer, the ones
    /// <see cref="HasBlob"/> found too. <paramref name="progress"/> is called on the pipeline's thread.</summary>
    public LayerPipeline UnpackAsBlobsArrive(Manifest manifest, ImageConfig config, Action<int, LayerEvent>? progress = null)
    {
        ThrowIfDisposed();
        var configDigest = manifest.Config.ParsedDigest;
        foreach (var layer in manifest.Layers)
            if (!MediaTypes.IsLayer(layer.MediaType))
                throw new InvalidDataException($"image config {configDigest}: layer {layer.Digest} has unsupported media type \"{layer.MediaType}\"");
        var diffIds = Layers.Unpacker.DiffIds(config, configDigest);
        if (diffIds.Count != manifest.Layers.Count)
            throw new InvalidDataException($"image has {manifest.Layers.Count} layers but its config lists {diffIds.Count} diff_ids");
        var pipeline = new LayerPipeline(_store, _lease, manifest.Layers, diffIds, progress);
        lock (_lock)
        {
            if (_disposed) { pipeline.Abandon(); throw new ObjectDisposedException(nameof(PullSession)); }
            _pipelines.Add(pipeline);
        }
        return pipeline;
    }

    /// <summary>Records the image: waits for the pipelines (rethrowing their failure), then registers
    /// <paramref name="target"/> (a manifest, or an index and <paramref name="platform"/>'s manifest; snapshots the
    /// pipeline made are reused, not unpacked again), and in the same transaction its tags and
    /// <paramref name="repoDigest"/> (<c>host/app@sha256:…</c>, or null).</summary>
    public Metadata.ImageRecord Commit(Descriptor target, IEnumerable<Reference> tags, Platform? platform, string? repoDigest)
    {
        ThrowIfDisposed();
        List<LayerPipeline> pipelines;
        lock (_lock)
        {
            if (_committed) throw new InvalidOperationException("this pull is already committed");
            pipelines = [.. _pipelines];
        }
        foreach (var p in pipelines) p.Complete();
        var record = _store.Register(_lease, target, tags, platform, repoDigest: repoDigest);
        lock (_lock) _committed = true;
        FaultPoint.Hit("images.pull.registered");
        return record;
    }

    public void Dispose()
    {
        List<LayerPipeline> pipelines;
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            pipelines = [.. _pipelines];
        }
        // stop the unpacking before the lease goes: a collection must not race a layer being written
        foreach (var p in pipelines) p.Abandon();
        _lease.Dispose();
        if (!_committed)
            try { _store.CollectGarbage(); } catch (Exception) { /* the next open, rmi or prune collects it */ }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
