using Quai.Images;
using Quai.Oci.Image;
using Quai.Registry.Client;
using Quai.Registry.Progress;

namespace Quai.Registry.Distribution;

/// <summary><c>docker pull</c>: resolves a reference to a manifest (selecting the platform from an index), then
/// downloads the config and the layers that are not in the store yet, several at once, each verified while it
/// streams into the store; layers are unpacked in order as soon as they and those below them are in, while later
/// ones still download. The image and its tag appear only at the final commit: a failed or killed pull leaves
/// only leased blobs, which the next store open collects.</summary>
public sealed class Puller(ImageStore store, RegistryClient client, IProgressSink progress)
{
    /// <summary>Configs are JSON documents: anything bigger is refused before it is read (containerd's cap).</summary>
    public const long MaxConfigSize = 16 << 20;

    public async Task<PullResult> PullAsync(Reference reference, PullOptions options, CancellationToken ct = default)
    {
        var before = reference.Tag is not null ? store.TryFind(reference.ToString())?.Id : null;
        progress.Report(new ProgressEvent(reference.Tag ?? reference.Digest?.ToString(), $"Pulling from {reference.Path}"));
        var top = await client.GetManifestAsync(reference, ct).ConfigureAwait(false);
        var wanted = options.Platform ?? Platform.Host();
        using var session = store.BeginPull();
        session.IngestJson(top.Bytes, top.Digest, $"manifest {top.Digest}");
        Quai.Interop.FaultPoint.Hit("registry.pull.manifest");
        Descriptor target = Descriptor.For(top.MediaType, top.Digest, top.Bytes.Length);
        FetchedManifest selected;
        if (MediaTypes.IsIndex(top.MediaType))
        {
            var index = ImageJson.ParseIndex(top.Bytes, $"image index {top.Digest}");
            var images = index.Manifests.Where(m => MediaTypes.IsManifest(m.MediaType)).ToList();
            var match = images.FirstOrDefault(m => wanted.Matches(m.Platform))
                ?? throw new RegistryException($"no matching manifest for {wanted} in the manifest list entries");
            selected = await FetchChild(reference, match, session, ct).ConfigureAwait(false);
            if (options.AllPlatforms)
                foreach (var other in images.Where(m => m != match))
                {
                    var child = await FetchChild(reference, other, session, ct).ConfigureAwait(false);
                    await PullImage(reference, child, session, options, unpack: false, ct).ConfigureAwait(false);
                }
        }
        else if (MediaTypes.IsManifest(top.MediaType)) selected = top;
        else throw new RegistryException($"{reference.ToFamiliarString()}: unsupported manifest media type \"{top.MediaType}\"");

        var config = await PullImage(reference, selected, session, options, unpack: true, ct).ConfigureAwait(false);
        if (!MediaTypes.IsIndex(top.MediaType) && options.Platform is { } asked && !asked.Matches(config.Platform))
            throw new RegistryException($"image with reference {reference.ToFamiliarString()} was found but does not match the specified platform: wanted {asked}, actual: {config.Platform}");

        // As docker: the tag names the platform's image (its ID the config digest) and the repo digest is what the
        // registry serves under the tag (the index's); --all-platforms keeps the index itself as the image.
        if (MediaTypes.IsIndex(top.MediaType) && !options.AllPlatforms)
            target = Descriptor.For(selected.MediaType, selected.Digest, selected.Bytes.Length);
        var repoDigest = $"{reference.Repository}@{top.Digest}";
        var tags = reference.Tag is not null ? new[] { reference.NameOnly().WithTag(reference.Tag) } : [];
        Quai.Interop.FaultPoint.Hit("registry.pull.commit");
        var image = session.Commit(target, tags, wanted, repoDigest);
        progress.Report(new ProgressEvent(null, $"Digest: {top.Digest}"));
        var upToDate = before == image.Id;
        progress.Report(new ProgressEvent(null, upToDate
            ? $"Status: Image is up to date for {reference.ToFamiliarString()}"
            : $"Status: Downloaded newer image for {reference.ToFamiliarString()}"));
        return new PullResult(image, reference, top.Digest, upToDate);
    }

    /// <summary><c>pull -a</c>: every tag of the repository, one after the other, as docker does.</summary>
    public async Task<List<PullResult>> PullAllTagsAsync(Reference repository, PullOptions options, CancellationToken ct = default)
    {
        var tags = await client.ListTagsAsync(repository.NameOnly(), ct).ConfigureAwait(false);
        if (tags.Count == 0) throw new RegistryException($"{repository.FamiliarRepository}: no tags in the repository");
        var results = new List<PullResult>();
        foreach (var tag in tags)
            results.Add(await PullAsync(repository.NameOnly().WithTag(tag), options, ct).ConfigureAwait(false));
        return results;
    }

    private async Task<FetchedManifest> FetchChild(Reference reference, Descriptor child, PullSession session, CancellationToken ct)
    {
        var fetched = await client.GetManifestAsync(reference.NameOnly().WithDigest(child.ParsedDigest), ct).ConfigureAwait(false);
        if (fetched.Digest != child.ParsedDigest)
            throw new RegistryException($"manifest {child.Digest}: the registry sent {fetched.Digest}");
        session.IngestJson(fetched.Bytes, child.ParsedDigest, $"manifest {child.Digest}");
        return fetched;
    }

    /// <summary>The config and layers of one image manifest; returns the config.</summary>
    private async Task<ImageConfig> PullImage(Reference reference, FetchedManifest fetched, PullSession session, PullOptions options, bool unpack, CancellationToken ct)
    {
        var manifest = ImageJson.ParseManifest(fetched.Bytes, $"manifest {fetched.Digest}");
        if (manifest.Config.Size > MaxConfigSize)
            throw new RegistryException($"manifest {fetched.Digest}: config {manifest.Config.Digest} is {manifest.Config.Size} bytes, more than the {MaxConfigSize} allowed");
        foreach (var layer in manifest.Layers)
            if (!MediaTypes.IsLayer(layer.MediaType))
                throw new RegistryException($"manifest {fetched.Digest}: layer {layer.Digest} has unsupported media type \"{layer.MediaType}\"");
        var configDigest = manifest.Config.ParsedDigest;
        byte[] configBytes;
        if (session.HasBlob(configDigest)) configBytes = store.Content.ReadAll(configDigest, MaxConfigSize);
        else
        {
            using var s = await client.OpenBlobAsync(reference, manifest.Config, ct).ConfigureAwait(false);
            configBytes = await ReadCapped(s, manifest.Config.Size, $"config {configDigest}", ct).ConfigureAwait(false);
            session.IngestJson(configBytes, configDigest, $"config {configDigest}");
        }
        var config = ImageJson.ParseConfig(configBytes, $"image config {configDigest}");
        if (config.RootFs.DiffIds.Count != manifest.Layers.Count)
            throw new RegistryException($"manifest {fetched.Digest}: {manifest.Layers.Count} layers, but its config lists {config.RootFs.DiffIds.Count} diff_ids");

        var ids = manifest.Layers.Select(l => Status.ShortId(l.Digest)).ToList();
        var pipeline = unpack ? session.UnpackAsBlobsArrive(manifest, config, (i, e) => progress.Report(new ProgressEvent(ids[i], e switch
        {
            LayerEvent.Extracting => Status.Extracting,
            LayerEvent.AlreadyExists => Status.AlreadyExists,
            _ => Status.PullComplete,
        }))) : null;
        using var slots = new SemaphoreSlim(Math.Max(1, options.MaxConcurrentDownloads));
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var downloads = new List<Task>();
        for (int i = 0; i < manifest.Layers.Count; i++)
        {
            var layer = manifest.Layers[i];
            store.RecordBlobSource(layer.ParsedDigest, reference.Domain, reference.Path);
            if (session.HasBlob(layer.ParsedDigest))
            {
                if (!unpack) progress.Report(new ProgressEvent(ids[i], Status.AlreadyExists));
                pipeline?.Arrived(i);
                continue;
            }
            progress.Report(new ProgressEvent(ids[i], Status.PullingFsLayer));
            int index = i;
            downloads.Add(Task.Run(async () =>
            {
                if (slots.CurrentCount == 0) progress.Report(new ProgressEvent(ids[index], Status.Waiting));
                await slots.WaitAsync(failed.Token).ConfigureAwait(false);
                try
                {
                    await Download(reference, layer, ids[index], session, failed.Token).ConfigureAwait(false);
                    pipeline?.Arrived(index);
                }
                catch
                {
                    failed.Cancel();
                    throw;
                }
                finally { slots.Release(); }
            }, failed.Token));
        }
        try { await Task.WhenAll(downloads).ConfigureAwait(false); }
        catch when (downloads.FirstOrDefault(t => t.IsFaulted)?.Exception?.InnerException is { } first && first is not OperationCanceledException)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        }
        pipeline?.Complete();
        return config;
    }

    private async Task Download(Reference reference, Descriptor layer, string id, PullSession session, CancellationToken ct)
    {
        var total = layer.Size;
        using (var blob = await client.OpenBlobAsync(reference, layer, ct).ConfigureAwait(false))
        using (var counted = new ProgressStream(blob, n => progress.Report(new ProgressEvent(id, Status.Downloading, n, total))))
        {
            // the store hashes while it writes; the digest and size are checked before the blob becomes visible
            await Task.Run(() => session.IngestBlob(counted, layer, $"layer {layer.Digest}"), ct).ConfigureAwait(false);
        }
        Quai.Interop.FaultPoint.Hit("registry.pull.layer");
        progress.Report(new ProgressEvent(id, Status.Verifying));
        progress.Report(new ProgressEvent(id, Status.DownloadComplete));
    }

    private static async Task<byte[]> ReadCapped(Stream s, long declared, string what, CancellationToken ct)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = await s.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, n);
            if (buffer.Length > declared) throw new RegistryException($"{what}: the registry sent more than the {declared} bytes its descriptor declares");
        }
        return buffer.ToArray();
    }
}
