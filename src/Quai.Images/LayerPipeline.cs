using System.Runtime.ExceptionServices;
using Quai.Images.Gc;
using Quai.Images.Layers;
using Quai.Interop;
using Quai.Oci.Image;

namespace Quai.Images;

/// <summary>Unpacks a pull's layers while later ones are still downloading (<see cref="PullSession.UnpackAsBlobsArrive"/>):
/// from a thread of its own, through the store's one unpack loop (<see cref="Unpacker.Unpack"/>: chain IDs, existing
/// snapshots reused, diff_ids verified), each layer as soon as its blob is in the content store. On overlay, layers are
/// applied several at once, each into its own upper directory, and committed in chain order; elsewhere, layer i once
/// layers 0..i are there, in order. A pull then takes about as long as the longer of its download and its unpacking,
/// not their sum.</summary>
public sealed class LayerPipeline
{
    private readonly ImageStore _store;
    private readonly Lease _lease;
    private readonly IReadOnlyList<Descriptor> _layers;
    private readonly bool[] _arrived;
    private readonly object _gate = new();
    private readonly CancellationTokenSource _cancel = new();
    private readonly Thread _thread;
    private bool _noMore;
    private ExceptionDispatchInfo? _error;

    internal LayerPipeline(ImageStore store, Lease lease, IReadOnlyList<Descriptor> layers, IReadOnlyList<Digest> diffIds, Action<int, LayerEvent>? progress)
    {
        _store = store;
        _lease = lease;
        _layers = layers;
        _arrived = new bool[layers.Count];
        void Report(int i, LayerEvent e)
        {
            if (e == LayerEvent.Extracting) FaultPoint.Hit("images.pull.unpacking");
            progress?.Invoke(i, e);
        }
        _thread = new Thread(() =>
        {
            try { Result = Unpacker.Unpack(store.Content, store.Snapshotter, lease, layers, diffIds, Report, AwaitLayer, _cancel.Token); }
            catch (Exception e) { _error = ExceptionDispatchInfo.Capture(e); }
        }, maxStackSize: 1 << 20) { IsBackground = true, Name = "layer-pipeline" };
        _thread.Start();
    }

    /// <summary>The top chain ID and unpacked size, once <see cref="Complete"/> returned.</summary>
    public (Digest? TopChain, long Size) Result { get; private set; }

    /// <summary>Layer <paramref name="index"/> (of the manifest's layers) is in the content store. Thread-safe; any order.</summary>
    public void Arrived(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _arrived.Length);
        lock (_gate)
        {
            _arrived[index] = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>No more layers will arrive: waits until every layer is unpacked and rethrows the first failure. A
    /// layer never reported is taken from the store when it is there, else the pipeline fails naming it.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _noMore = true;
            Monitor.PulseAll(_gate);
        }
        _thread.Join();
        _error?.Throw();
    }

    /// <summary>Stops (the layer being written is discarded) and waits for the thread: the session is going away.</summary>
    internal void Abandon()
    {
        lock (_gate)
        {
            _cancel.Cancel();
            Monitor.PulseAll(_gate);
        }
        _thread.Join();
    }

    private void AwaitLayer(int index, CancellationToken stop)
    {
        // the unpacking stops (another layer failed, or the pull is abandoned): wake the waiters
        using var wake = stop.Register(() => { lock (_gate) Monitor.PulseAll(_gate); });
        lock (_gate)
        {
            while (!_arrived[index])
            {
                _cancel.Token.ThrowIfCancellationRequested();
                stop.ThrowIfCancellationRequested();
                if (_noMore) break;
                Monitor.Wait(_gate);
            }
        }
        var blob = _layers[index].ParsedDigest;
        _lease.Add(Lease.Blob, blob.ToString());
        if (!_store.Content.Exists(blob))
            throw new InvalidDataException($"layer {index} ({blob}): its blob is not in the store");
    }
}
