using System.Diagnostics;
using Quai.Fs;
using Quai.Oci.Image;

namespace Quai.Images.Tests;

/// <summary><c>Quai.Images.Tests pull-bench DIR</c>: not a test. Pulls a 6-layer image (16 MiB of half random, half
/// compressible data per layer, gzip) from a layout read at a throttled rate (a stand-in for the network, 2 layers at
/// a time), once with the pipeline and once unpacking after the downloads, each into a fresh store, and prints both
/// times: the pipeline should take about max(download, unpack), the other their sum.</summary>
public static class PullBench
{
    private const long BytesPerSecond = 24L << 20;

    public static int Run(string dir)
    {
        var rng = new Random(9);
        var layers = Enumerable.Range(0, 6).Select(i =>
        {
            var t = new TarBuilder().Dir($"l{i}/");
            for (int f = 0; f < 16; f++)
            {
                var data = new byte[1 << 20];
                if (f % 2 == 0) rng.NextBytes(data); else Array.Fill(data, (byte)('a' + f));
                t.File($"l{i}/f{f}", data);
            }
            return t.Bytes();
        }).ToList();
        var b = new ImageBuilder();
        var (m, _) = b.AddImage(layers);
        var layout = b.WriteLayout(Path.Combine(dir, "layout"), m);
        foreach (var pipelined in new[] { true, false, true, false })
        {
            var root = Path.Combine(dir, $"store-{Guid.NewGuid():N}");
            using (var store = ImageStore.Open(new ImageStoreOptions { Root = root }))
            {
                var sw = Stopwatch.StartNew();
                PullHost.Pull(store, layout, Reference.Parse("bench/app:1"), parallel: 2, source: s => new Throttled(s), pipelined: pipelined);
                Console.WriteLine($"{(pipelined ? "pipelined" : "unpack after download")}: {sw.Elapsed.TotalSeconds:F2} s ({store.Snapshotter.Name})");
            }
            Directory.Delete(root, recursive: true);
        }
        return 0;
    }

    /// <summary>Reads at most <see cref="BytesPerSecond"/>.</summary>
    private sealed class Throttled(Stream inner) : ReadOnlyStream
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private long _read;
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override int Read(Span<byte> buffer)
        {
            int n = inner.Read(buffer[..Math.Min(buffer.Length, 256 << 10)]);
            _read += n;
            var due = TimeSpan.FromSeconds((double)_read / BytesPerSecond) - _clock.Elapsed;
            if (due > TimeSpan.Zero) Thread.Sleep(due);
            return n;
        }
    }
}
