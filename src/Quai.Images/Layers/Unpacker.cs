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

    /// <summary>Returns the top chain ID (null for no layers) and the unpacked size of all layers.
    /// <paramref name="awaitLayer"/>, when given, is called before layer i is looked at and returns once its blob
    /// is in the content store (or throws); <paramref name="progress"/> hears of each layer; a cancellation stops
    /// between layers and inside one (its partial snapshot is removed).</summary>
    public static (Digest? TopChain, long Size) Unpack(ContentStore content, ISnapshotter snapshotter, Lease lease,
        IReadOnlyList<Descriptor> layers, IReadOnlyList<Digest> diffIds, Action<int, LayerEvent>? progress = null,
        Action<int>? awaitLayer = null, CancellationToken cancel = default)
    {
        if (layers.Count != diffIds.Count)
            throw new InvalidDataException($"image has {layers.Count} layers but its config lists {diffIds.Count} diff_ids");
        Digest? chain = null;
        long total = 0;
        for (int i = 0; i < layers.Count; i++)
        {
            cancel.ThrowIfCancellationRequested();
            var next = ChainId.Next(chain, diffIds[i]);
            var name = next.ToString();
            lease.Add(Lease.Snapshot, name);
            var existing = snapshotter.Stat(name);
            if (existing is not null)
            {
                total += existing.Size;
                chain = next;
                progress?.Invoke(i, LayerEvent.AlreadyExists);
                continue;
            }
            awaitLayer?.Invoke(i);
            cancel.ThrowIfCancellationRequested();
            var key = $"extract-{lease.Id}-{next.Hex}";
            lease.Add(Lease.Snapshot, key);
            snapshotter.Prepare(key, chain?.ToString());
            try
            {
                progress?.Invoke(i, LayerEvent.Extracting);
                var layerDigest = layers[i].ParsedDigest;
                var result = snapshotter.WithWritableView(key, dir =>
                {
                    FaultPoint.Hit("images.unpack.mounted");
                    return ApplyBlob(content, layerDigest, diffIds[i], dir, cancel);
                });
                snapshotter.Commit(name, key, result.FileBytes);
                FaultPoint.Hit("images.unpack.committed");
                total += snapshotter.Stat(name)?.Size ?? result.FileBytes;
            }
            catch
            {
                try { snapshotter.Remove(key); } catch (Exception) { /* GC removes it with the lease */ }
                throw;
            }
            progress?.Invoke(i, LayerEvent.Complete);
            chain = next;
        }
        return (chain, total);
    }

    /// <summary>Applies one stored layer blob onto a directory, verifying its diff ID.</summary>
    public static ApplyResult ApplyBlob(ContentStore content, Digest blob, Digest diffId, string dir, CancellationToken cancel = default)
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
                result = LayerApplier.Apply(pipe, dir);
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
