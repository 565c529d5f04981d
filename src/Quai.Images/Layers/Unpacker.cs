using Quai.Interop;
using Quai.Fs;
using Quai.Images.Content;
using Quai.Images.Gc;
using Quai.Images.Snapshots;
using Quai.Oci.Image;

namespace Quai.Images.Layers;

/// <summary>Unpacks an image's layers into committed snapshots named by chain ID, reusing the ones that exist.
/// Each layer is read, decompressed and hashed on one thread while it is applied on another; the uncompressed
/// digest must equal the config's diff_id or the snapshot is discarded.</summary>
public static class Unpacker
{
    /// <summary>Returns the top chain ID (null for no layers) and the per-layer unpacked sizes.</summary>
    public static (Digest? TopChain, long Size) Unpack(ContentStore content, ISnapshotter snapshotter, Lease lease,
        IReadOnlyList<Descriptor> layers, IReadOnlyList<Digest> diffIds)
    {
        if (layers.Count != diffIds.Count)
            throw new InvalidDataException($"image has {layers.Count} layers but its config lists {diffIds.Count} diff_ids");
        Digest? chain = null;
        long total = 0;
        for (int i = 0; i < layers.Count; i++)
        {
            var next = ChainId.Next(chain, diffIds[i]);
            var name = next.ToString();
            lease.Add(Lease.Snapshot, name);
            var existing = snapshotter.Stat(name);
            if (existing is not null)
            {
                total += existing.Size;
                chain = next;
                continue;
            }
            var key = $"extract-{lease.Id}-{next.Hex}";
            lease.Add(Lease.Snapshot, key);
            snapshotter.Prepare(key, chain?.ToString());
            try
            {
                var layerDigest = layers[i].ParsedDigest;
                var result = snapshotter.WithWritableView(key, dir =>
                {
                    FaultPoint.Hit("images.unpack.mounted");
                    return ApplyBlob(content, layerDigest, diffIds[i], dir);
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
            chain = next;
        }
        return (chain, total);
    }

    /// <summary>Applies one stored layer blob onto a directory, verifying its diff ID.</summary>
    public static ApplyResult ApplyBlob(ContentStore content, Digest blob, Digest diffId, string dir)
    {
        using var file = content.OpenRead(blob);
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

    /// <summary>Makes the producer read its source to the end (tar padding included) so the hash covers everything.</summary>
    private sealed class DrainingStream(Stream inner) : ReadOnlyStream
    {
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override int Read(Span<byte> buffer) => inner.Read(buffer);
    }
}
