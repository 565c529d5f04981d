using Quai.Interop;
using Quai.Fs;
using Quai.Images.Content;
using Quai.Images.Gc;
using Quai.Images.Snapshots;
using Quai.Oci.Image;

namespace Quai.Images.Layers;

/// <summary>Unpacks an image's layers into committed snapshots named by chain ID, reusing the ones that exist.
/// Each layer is read, decompressed and hashed on one thread while it is applied on another; the uncompressed
/// digest must equal the config's diff_id or the snapshot is discarded. The one unpack loop of the store: a
/// registration runs it on layers already stored, a pull's <see cref="LayerPipeline"/> runs it while layers are
/// still downloading, waiting for each one (<c>awaitLayer</c>) before it is applied.</summary>
public static class Unpacker
{
    /// <summary>The config's diff_ids, parsed; <paramref name="configDigest"/> names the config in errors.</summary>
    public static List<Digest> DiffIds(ImageConfig config, Digest configDigest)
        => config.RootFs.DiffIds.Select(d => Digest.TryParse(d, out var p, out var why) ? p
            : throw new InvalidDataException($"image config {configDigest}: invalid diff_id \"{d}\": {why}")).ToList();

    /// <summary>Layers applied at once on overlay (each into an upper directory of its own): two, as the
    /// decompression of each already runs on a thread beside its extraction.</summary>
    public const int Parallelism = 2;

    /// <summary>Returns the top chain ID (null for no layers) and the unpacked size of all layers.
    /// <paramref name="awaitLayer"/>, when given, is called before layer i is applied and returns once its blob
    /// is in the content store (or throws; the token given to it is set when the unpacking fails or is cancelled);
    /// <paramref name="progress"/> hears of each layer (from more than one thread, never two calls at once; each
    /// layer's Extracting before its Complete, the Completes in layer order, the AlreadyExists of layers present before any Extracting); a cancellation stops
    /// between layers and inside one (its partial snapshots are removed).
    /// On overlay as root, up to <see cref="Parallelism"/> layers are applied at once, each straight into an upper
    /// directory of its own with no mount (<see cref="ExtractOptions.OverlayUpper"/>), and committed in chain
    /// order (<see cref="OverlaySnapshotter.AdoptUpper"/>); a layer that needs the layers below to be applied (a
    /// hard link to a file of theirs, a parent directory it does not create) is applied through a mounted view of
    /// its parents once they are committed. Elsewhere (or with <paramref name="parallelism"/> 1), one layer after
    /// another through the writable view.</summary>
    public static (Digest? TopChain, long Size) Unpack(ContentStore content, ISnapshotter snapshotter, Lease lease,
        IReadOnlyList<Descriptor> layers, IReadOnlyList<Digest> diffIds, Action<int, LayerEvent>? progress = null,
        Action<int, CancellationToken>? awaitLayer = null, CancellationToken cancel = default, int parallelism = Parallelism)
    {
        if (layers.Count != diffIds.Count)
            throw new InvalidDataException($"image has {layers.Count} layers but its config lists {diffIds.Count} diff_ids");
        var chains = new Digest[layers.Count];
        for (int i = 0; i < layers.Count; i++) chains[i] = ChainId.Next(i == 0 ? null : chains[i - 1], diffIds[i]);
        var gate = new Lock();
        void Report(int i, LayerEvent e) { if (progress is not null) lock (gate) progress(i, e); }
        var job = new Job(content, snapshotter, lease, layers, diffIds, chains, Report, awaitLayer);
        return snapshotter is OverlaySnapshotter overlay && OverlaySnapshotter.AppliesToUpper && layers.Count > 1 && parallelism > 1
            ? job.InParallel(overlay, Math.Min(parallelism, Parallelism * 2), cancel)
            : job.InOrder(cancel);
    }

    private sealed class Job(ContentStore content, ISnapshotter snapshotter, Lease lease, IReadOnlyList<Descriptor> layers,
        IReadOnlyList<Digest> diffIds, Digest[] chains, Action<int, LayerEvent> report, Action<int, CancellationToken>? awaitLayer)
    {
        /// <summary>A layer applied ahead of its parents: its own snapshot (no parent), or null when it needs the merged view.</summary>
        private sealed class Ahead
        {
            public readonly ManualResetEventSlim Done = new();
            public string? Key;
            public ApplyResult? Result;
            public Exception? Error;
        }

        private Exception? _firstError;

        public (Digest? TopChain, long Size) InOrder(CancellationToken cancel)
        {
            long total = 0;
            for (int i = 0; i < layers.Count; i++)
            {
                cancel.ThrowIfCancellationRequested();
                if (TryExisting(i, ref total)) continue;
                awaitLayer?.Invoke(i, cancel);
                cancel.ThrowIfCancellationRequested();
                report(i, LayerEvent.Extracting);
                total += CommitLayer(i, ahead: null, cancel);
            }
            return (layers.Count == 0 ? null : chains[^1], total);
        }

        public (Digest? TopChain, long Size) InParallel(OverlaySnapshotter overlay, int parallelism, CancellationToken cancel)
        {
            // which layers exist is settled first (each leased, then looked at): the workers take the others
            var existing = new bool[layers.Count];
            for (int i = 0; i < layers.Count; i++)
            {
                lease.Add(Lease.Snapshot, chains[i].ToString());
                existing[i] = snapshotter.Stat(chains[i].ToString()) is not null;
                if (existing[i]) report(i, LayerEvent.AlreadyExists); // before any worker's Extracting, as in order
            }
            var ahead = new Ahead[layers.Count];
            for (int i = 0; i < ahead.Length; i++) ahead[i] = new Ahead();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            int next = -1;
            var workers = new List<Thread>();
            for (int w = 0; w < Math.Min(parallelism, existing.Count(e => !e)); w++)
            {
                var t = new Thread(() =>
                {
                    int i;
                    while ((i = Interlocked.Increment(ref next)) < layers.Count)
                    {
                        if (existing[i]) { ahead[i].Done.Set(); continue; }
                        try { ApplyAhead(overlay, i, ahead[i], stop.Token); }
                        catch (Exception e)
                        {
                            ahead[i].Error = e;
                            if (e is not OperationCanceledException) Interlocked.CompareExchange(ref _firstError, e, null);
                            stop.Cancel();
                        }
                        finally { ahead[i].Done.Set(); }
                    }
                }, maxStackSize: 1 << 20) { IsBackground = true, Name = "layer-unpack" };
                workers.Add(t);
                t.Start();
            }
            try
            {
                long total = 0;
                for (int i = 0; i < layers.Count; i++)
                {
                    if (existing[i])
                    {
                        var size = snapshotter.Stat(chains[i].ToString())?.Size;
                        if (size is not null) { total += size.Value; continue; }
                        // gone since (another store user removed it): unpack it here, in order
                        awaitLayer?.Invoke(i, stop.Token);
                        report(i, LayerEvent.Extracting);
                        total += CommitLayer(i, null, stop.Token);
                        continue;
                    }
                    ahead[i].Done.Wait(); // its worker sets it whatever happens, soon after a cancellation
                    if (ahead[i].Error is { } error)
                    {
                        if (_firstError is { } first) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
                        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
                    }
                    stop.Token.ThrowIfCancellationRequested();
                    total += CommitLayer(i, ahead[i], stop.Token);
                }
                return (chains[^1], total);
            }
            catch (Exception e)
            {
                if (e is not OperationCanceledException) Interlocked.CompareExchange(ref _firstError, e, null);
                stop.Cancel();
                // a layer stopped because another failed reports that failure, not its own interruption
                if (_firstError is { } first && !ReferenceEquals(first, e)) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
                throw;
            }
            finally
            {
                foreach (var t in workers) t.Join();
                foreach (var a in ahead)
                    if (a.Key is not null && snapshotter.Stat(a.Key) is not null)
                        try { snapshotter.Remove(a.Key); } catch (Exception) { /* GC removes it with the lease */ }
            }
        }

        private bool TryExisting(int i, ref long total)
        {
            var name = chains[i].ToString();
            lease.Add(Lease.Snapshot, name);
            var existing = snapshotter.Stat(name);
            if (existing is null) return false;
            total += existing.Size;
            report(i, LayerEvent.AlreadyExists);
            return true;
        }

        /// <summary>Applies layer i into an upper directory of its own, before its parents are committed.</summary>
        private void ApplyAhead(OverlaySnapshotter overlay, int i, Ahead ahead, CancellationToken cancel)
        {
            awaitLayer?.Invoke(i, cancel);
            cancel.ThrowIfCancellationRequested();
            var key = $"extract-{lease.Id}-{chains[i].Hex}-upper";
            lease.Add(Lease.Snapshot, key);
            overlay.Prepare(key, null);
            ahead.Key = key;
            report(i, LayerEvent.Extracting);
            try
            {
                ahead.Result = overlay.WithUpper(key, dir =>
                {
                    FaultPoint.Hit("images.unpack.mounted");
                    // the bottom layer may be shown by a bind mount, where overlay's whiteouts would be plain devices: it
                    // needs none (there is nothing below it to hide)
                    return ApplyBlob(content, layers[i].ParsedDigest, diffIds[i], dir, cancel, overlayUpper: i > 0);
                });
            }
            catch (MergedViewRequiredException)
            {
                // applied in order instead, through a mount of its committed parents
                ahead.Key = null;
                overlay.Remove(key);
            }
        }

        /// <summary>Makes layer i's snapshot on its committed parent and commits it: the data applied ahead moved in,
        /// else the layer applied through the writable view. Returns its size.</summary>
        private long CommitLayer(int i, Ahead? ahead, CancellationToken cancel)
        {
            var name = chains[i].ToString();
            var key = $"extract-{lease.Id}-{chains[i].Hex}";
            lease.Add(Lease.Snapshot, key);
            snapshotter.Prepare(key, i == 0 ? null : chains[i - 1].ToString());
            try
            {
                ApplyResult result;
                if (ahead?.Key is { } upper)
                {
                    var overlay = (OverlaySnapshotter)snapshotter;
                    overlay.AdoptUpper(key, upper);
                    ahead.Key = null;
                    result = ahead.Result!;
                    if (result.Whiteouts is { Count: > 0 } whiteouts) overlay.DropNeedlessWhiteouts(key, whiteouts);
                }
                else
                {
                    var layerDigest = layers[i].ParsedDigest;
                    result = snapshotter.WithWritableView(key, dir =>
                    {
                        FaultPoint.Hit("images.unpack.mounted");
                        return ApplyBlob(content, layerDigest, diffIds[i], dir, cancel);
                    });
                }
                snapshotter.Commit(name, key, result.FileBytes);
                FaultPoint.Hit("images.unpack.committed");
                var size = snapshotter.Stat(name)?.Size ?? result.FileBytes;
                report(i, LayerEvent.Complete);
                return size;
            }
            catch
            {
                try { if (snapshotter.Stat(key) is not null) snapshotter.Remove(key); } catch (Exception) { /* GC removes it with the lease */ }
                throw;
            }
        }
    }

    /// <summary>Applies one stored layer blob onto a directory, verifying its diff ID; with
    /// <paramref name="overlayUpper"/>, onto an overlay's empty upper directory (<see cref="LayerApplier.Apply(Stream, string, bool)"/>).</summary>
    public static ApplyResult ApplyBlob(ContentStore content, Digest blob, Digest diffId, string dir, CancellationToken cancel = default, bool overlayUpper = false)
    {
        using var stored = content.OpenRead(blob);
        using var file = cancel.CanBeCanceled ? new CancellableStream(stored, cancel) : stored;
        using var raw = LayerCompression.Decompress(file, out _);
        using var hashing = new HashingStream(raw, leaveOpen: true);
        ApplyResult result;
        using (var pipe = new PipeStream(new DrainingStream(hashing)))
        {
            try
            {
                result = LayerApplier.Apply(pipe, dir, overlayUpper);
                var sink = new byte[1 << 16];
                while (pipe.Read(sink) > 0) { }
            }
            catch (TarFormatException e)
            {
                throw new TarFormatException($"layer {blob}: {e.Message}", e);
            }
        }
        var actual = hashing.Digest();
        if (actual != diffId)
            throw new InvalidDataException($"layer {blob}: uncompressed content is {actual}, but the image config says {diffId}");
        return result;
    }

    /// <summary>Stops a layer mid-way when its pull is abandoned: reads fail once <paramref name="cancel"/> is set (an
    /// IOException, not a cancellation, which <see cref="PipeStream"/> would take for the end of the layer).</summary>
    private sealed class CancellableStream(Stream inner, CancellationToken cancel) : ReadOnlyStream
    {
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            if (cancel.IsCancellationRequested) throw new IOException("unpacking abandoned: the pull was cancelled");
            return inner.Read(buffer);
        }
    }

    /// <summary>Makes the producer read its source to the end (tar padding included) so the hash covers everything.</summary>
    private sealed class DrainingStream(Stream inner) : ReadOnlyStream
    {
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override int Read(Span<byte> buffer) => inner.Read(buffer);
    }
}
