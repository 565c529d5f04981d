using Quai.Images;
using Quai.Images.Metadata;
using Quai.Oci.Image;
using Quai.Registry.Client;
using Quai.Registry.Progress;

namespace Quai.Registry.Distribution;

/// <summary>The outcome of pushing one tag: what was put under it.</summary>
public sealed record PushResult(Reference Reference, Digest Digest, long Size);

/// <summary><c>docker push</c>: uploads the blobs the registry lacks (asking first with HEAD, mounting from another
/// repository of the same registry the blob is known to come from), then puts the stored manifest bytes unchanged,
/// so what was pulled pushes back with the same digests. An image index is pushed with its child manifests when
/// the store has them all; otherwise only the image the store unpacked is pushed, with a warning.</summary>
public sealed class Pusher(ImageStore store, RegistryClient client, IProgressSink progress, TextWriter? warnings = null)
{
    public int MaxConcurrentUploads { get; init; } = 5;

    public async Task<PushResult> PushAsync(Reference reference, CancellationToken ct = default)
    {
        var image = store.Find(reference.ToString());
        progress.Report(new ProgressEvent(null, $"The push refers to repository [{reference.Repository}]"));
        var tagOrDigest = reference.Tag ?? throw new ArgumentException("push needs a tag");
        Digest target = Digest.Parse(image.TargetDigest);
        string mediaType = image.TargetMediaType;
        if (MediaTypes.IsIndex(mediaType))
        {
            var index = ImageJson.ParseIndex(store.Content.ReadAll(target), $"image index {target}");
            var children = index.Manifests.Where(m => MediaTypes.IsManifest(m.MediaType) || MediaTypes.IsIndex(m.MediaType)).ToList();
            if (children.All(m => store.Content.Exists(m.ParsedDigest) && ManifestComplete(m.ParsedDigest)))
            {
                foreach (var child in children)
                    await PushManifest(reference, child.ParsedDigest, child.MediaType!, byDigest: true, ct).ConfigureAwait(false);
            }
            else
            {
                warnings?.WriteLine($"WARNING: the store holds only {image.Platform} of the image index {target}: pushing that image alone (its digest differs from the index's)");
                target = Digest.Parse(image.ManifestDigest);
                mediaType = ImageJson.ProbeMediaType(store.Content.ReadAll(target), $"manifest {target}") ?? MediaTypes.OciManifest;
            }
        }
        var size = await PushManifest(reference, target, mediaType, byDigest: false, ct).ConfigureAwait(false);
        store.AddRepoDigest(image.Id, $"{reference.Repository}@{target}");
        progress.Report(new ProgressEvent(null, $"{tagOrDigest}: digest: {target} size: {size}"));
        return new PushResult(reference, target, size);
    }

    private bool ManifestComplete(Digest manifest)
    {
        var bytes = store.Content.ReadAll(manifest);
        if (MediaTypes.IsIndex(ImageJson.ProbeMediaType(bytes, $"manifest {manifest}"))) return false;
        var m = ImageJson.ParseManifest(bytes, $"manifest {manifest}");
        return m.Layers.Append(m.Config).All(d => store.Content.Exists(d.ParsedDigest));
    }

    /// <summary>Uploads a manifest's blobs, then the manifest under the tag (or its digest); returns its size.</summary>
    private async Task<long> PushManifest(Reference reference, Digest digest, string mediaType, bool byDigest, CancellationToken ct)
    {
        var bytes = store.Content.ReadAll(digest);
        if (!MediaTypes.IsIndex(mediaType)) await PushBlobs(reference, ImageJson.ParseManifest(bytes, $"manifest {digest}"), ct).ConfigureAwait(false);
        var to = byDigest ? reference.NameOnly().WithDigest(digest) : reference;
        var put = await client.PutManifestAsync(to, bytes, mediaType, ct).ConfigureAwait(false);
        if (put != digest) throw new RegistryException($"push {reference.ToFamiliarString()}: the registry stored the manifest as {put}, not {digest}");
        return bytes.Length;
    }

    /// <summary>An image manifest's layers (with progress lines) and config, several at once.</summary>
    private async Task PushBlobs(Reference reference, Manifest manifest, CancellationToken ct)
    {
        var layers = manifest.Layers.ToList();
        foreach (var l in layers) progress.Report(new ProgressEvent(Status.ShortId(l.Digest), Status.Preparing));
        using var slots = new SemaphoreSlim(Math.Max(1, MaxConcurrentUploads));
        var uploads = layers.Select(l => PushBlob(reference, l, true, slots, ct)).Append(PushBlob(reference, manifest.Config, false, slots, ct)).ToList();
        try { await Task.WhenAll(uploads).ConfigureAwait(false); }
        catch when (uploads.FirstOrDefault(t => t.IsFaulted)?.Exception?.InnerException is { } first)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        }
    }

    private async Task PushBlob(Reference reference, Descriptor blob, bool show, SemaphoreSlim slots, CancellationToken ct)
    {
        await slots.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var id = Status.ShortId(blob.Digest);
            var digest = blob.ParsedDigest;
            if (!store.Content.Exists(digest))
                throw new RegistryException($"push {reference.ToFamiliarString()}: blob {digest} is not in the store");
            if (await client.BlobExistsAsync(reference, digest, ct).ConfigureAwait(false))
            {
                if (show) progress.Report(new ProgressEvent(id, Status.LayerAlreadyExists));
                return;
            }
            foreach (var (domain, path) in store.BlobSources(digest))
            {
                if (domain != reference.Domain || path == reference.Path) continue;
                if (await client.TryMountBlobAsync(reference, digest, path, ct).ConfigureAwait(false))
                {
                    store.RecordBlobSource(digest, reference.Domain, reference.Path);
                    if (show) progress.Report(new ProgressEvent(id, $"Mounted from {path}"));
                    return;
                }
            }
            var total = blob.Size;
            await client.UploadBlobAsync(reference, blob, () => store.Content.OpenRead(digest), show ? new SyncProgress(id, total, progress) : null, ct).ConfigureAwait(false);
            store.RecordBlobSource(digest, reference.Domain, reference.Path);
            Quai.Interop.FaultPoint.Hit("registry.push.blob");
            if (show) progress.Report(new ProgressEvent(id, Status.Pushed));
        }
        finally { slots.Release(); }
    }

    /// <summary>Reports upload bytes on the uploading thread (<see cref="Progress{T}"/> would post them later).</summary>
    private sealed class SyncProgress(string id, long total, IProgressSink sink) : IProgress<long>
    {
        public void Report(long value) => sink.Report(new ProgressEvent(id, Status.Pushing, value, total));
    }
}
