using Quai.Images.Metadata;
using Quai.Oci.Image;

namespace Quai.Images.Tests;

/// <summary>Drives a <see cref="PullSession"/> the way a registry pull does (manifest and config first, then the
/// layers from several threads, each reported to the pipeline as it lands, then the commit), reading the blobs of
/// an OCI layout directory instead of a registry: what is tested is the store, not the transport. The crash tests
/// run it in a child process (<see cref="Program"/>) so a QUAI_FAULT point can SIGKILL it.</summary>
public static class PullHost
{
    /// <summary>Pulls the layout's first manifest as <paramref name="name"/> (tagged, unless <paramref name="tagged"/> is
    /// false: a pull by digest), recording <c>name@manifest-digest</c> as its repo digest.</summary>
    public static ImageRecord Pull(ImageStore store, string layout, Reference name, Action<int, LayerEvent>? progress = null, int parallel = 3, bool tagged = true,
        Func<Stream, Stream>? source = null, bool pipelined = true)
    {
        string Blob(Digest d) => Path.Combine(layout, "blobs", "sha256", d.Hex);
        var index = ImageJson.ParseIndex(File.ReadAllBytes(Path.Combine(layout, "index.json")), "index.json");
        var target = index.Manifests[0];
        using var session = store.BeginPull();
        var manifestBytes = File.ReadAllBytes(Blob(target.ParsedDigest));
        session.IngestJson(manifestBytes, target.ParsedDigest, $"manifest {target.Digest}");
        var manifest = ImageJson.ParseManifest(manifestBytes, $"manifest {target.Digest}");
        var configBytes = File.ReadAllBytes(Blob(manifest.Config.ParsedDigest));
        session.IngestJson(configBytes, manifest.Config.ParsedDigest, $"config {manifest.Config.Digest}");
        var config = ImageJson.ParseConfig(configBytes, "config");
        var pipeline = pipelined ? session.UnpackAsBlobsArrive(manifest, config, progress) : null;
        Parallel.For(0, manifest.Layers.Count, new ParallelOptions { MaxDegreeOfParallelism = parallel }, i =>
        {
            var layer = manifest.Layers[i];
            if (!session.HasBlob(layer.ParsedDigest))
            {
                using var f = File.OpenRead(Blob(layer.ParsedDigest));
                using var s = source?.Invoke(f) ?? f;
                session.IngestBlob(s, layer, $"layer {layer.Digest}");
            }
            pipeline?.Arrived(i);
        });
        pipeline?.Complete();
        return session.Commit(target, tagged ? [name] : [], null, name.NameOnly().WithDigest(target.ParsedDigest).ToString());
    }
}

/// <summary>The test assembly's entry point (the SDK's generated one is turned off): <c>pull-host ROOT LAYOUT NAME</c>
/// pulls into a store from a layout, for the crash tests; a test run never calls it.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args is ["pull-bench", var benchDir]) return PullBench.Run(benchDir);
        if (args is not ["pull-host", var root, var layout, var name])
        {
            Console.Error.WriteLine("usage: Quai.Images.Tests pull-host ROOT LAYOUT NAME");
            return 2;
        }
        using var store = ImageStore.Open(new ImageStoreOptions { Root = root });
        Console.WriteLine(PullHost.Pull(store, layout, Reference.Parse(name)).Id);
        return 0;
    }
}
