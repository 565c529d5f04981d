using Quai.Build.Context;
using Quai.Build.Syntax;
using Quai.Engine;
using Quai.Images;
using Quai.Oci.Image;

namespace Quai.Build.Executor;

/// <summary><c>quai build</c>: runs a Dockerfile's stages through the engine. Each instruction makes one
/// image (config-only ones an empty layer), looked up first in the <see cref="StepCache"/> by its parent,
/// its expanded text and the digest of what it reads; RUN runs as a real container through the engine
/// and its writable layer is committed; COPY writes its layer straight from the context's descriptors.</summary>
public sealed class Builder(ContainerEngine engine)
{
    public string Build(BuildRequest request)
    {
        var progress = request.Reporter ?? (request.Progress == TextWriter.Null ? BuildProgress.Null : BuildProgress.Plain(request.Progress));
        try { return Build(request, progress); }
        catch (Exception) when (StepContainerSweep.Interrupting)
        {
            StepContainerSweep.AwaitInterruptExit(); // Ctrl-C: the handler ends the process with 130
            throw;
        }
        catch (BuildException e)
        {
            progress.FailRunning(e.Message);
            throw;
        }
    }

    private string Build(BuildRequest request, BuildProgress progress)
    {
        var load = progress.Start("[internal] load build definition from " + request.DockerfileName);
        progress.Status(load, $"transferring dockerfile: {System.Text.Encoding.UTF8.GetByteCount(request.DockerfileText)}B done");
        var file = Parse(request);
        progress.Done(load);
        using var sweep = StepContainerSweep.Begin(engine);
        using var context = BuildContext.Open(request.ContextDir, request.DockerfileInContext, request.DockerignoreText);
        var cache = StepCache.For(engine.Images.Root);
        var expander = new ShellWordExpander(file.EscapeToken);
        var target = StageGraph.Target(file, request.Target, request.DockerfileName);
        var platforms = request.Platforms.Count > 0 ? request.Platforms : [Platform.Host()];
        var shared = new BuildShared();
        // one graph of (platform, stage) nodes: each stage of each platform starts when the stages it uses are done
        var runs = new List<BuildRun>();
        var nodes = new List<StageNode>();
        int steps = 0;
        foreach (var platform in platforms)
        {
            var globals = GlobalArgs(file, request, expander, platform);
            string FromOf(Stage s) => expander.ProcessWord(s.From.Image, n => globals.GetValueOrDefault(n)) is { Length: > 0 } f ? f
                : throw new BuildException($"{request.DockerfileName}:{s.From.StartLine}: base name ({s.From.Image}) should not be blank");
            var order = StageGraph.Order(file, target, FromOf, request.DockerfileName);
            var run = new BuildRun(engine, request, file, context, cache, expander, globals, new())
            {
                TargetPlatform = platform, Shared = shared, Progress = progress, PlatformLabel = platforms.Count > 1 ? BuildPlatforms.Format(platform) + " " : "",
            };
            runs.Add(run);
            var mine = new Dictionary<int, StageNode>();
            foreach (var stage in order)
            {
                var deps = StageGraph.DependenciesOf(file, stage, FromOf).Where(d => mine.ContainsKey(d.Index)).Select(d => mine[d.Index]).ToList();
                var node = new StageNode(run, stage, FromOf(stage), deps, steps);
                steps += stage.Instructions.Count + 1;
                mine[stage.Index] = node;
                nodes.Add(node);
            }
        }
        StageScheduler.Run(nodes, steps, shared, engine);

        if (!request.KeepImage) return runs[0].Built[target.Index]; // -o type=local|tar: the steps stay cached, nothing is a result
        var ids = runs.Select(r => WithLabels(r.Built[target.Index], request)).ToList();
        string id;
        if (platforms.Count == 1) id = ids[0];
        else
        {
            // --platform a,b: an image index of the platforms' images (each stays in the store, untagged)
            try { id = engine.Images.CreateIndex(ids, []).Id; }
            catch (ArgumentException e) { throw new BuildException(e.Message, 1, e); }
        }
        engine.Images.MarkBuildResult(id);
        foreach (var tag in request.Tags) engine.Images.Tag(id, tag);
        return id;
    }

    /// <summary>--label: one more config step on the target's image.</summary>
    private string WithLabels(string id, BuildRequest request)
    {
        if (request.Labels.Count == 0) return id;
        var config = engine.Images.Resolve(id).Config.Config ?? new ContainerConfig();
        config.Labels ??= [];
        foreach (var (k, v) in request.Labels) config.Labels[k] = v;
        config.Labels = config.Labels.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(); // Docker's (Go's) key order
        return engine.Images.Derive(new DeriveOptions { Parent = id, Config = config, CreatedBy = "LABEL " + string.Join(' ', request.Labels.Select(l => $"{l.Key}={l.Value}")) }).Id;
    }

    private static Dockerfile Parse(BuildRequest request)
    {
        try { return DockerfileParser.Parse(request.DockerfileText, request.DockerfileName); }
        catch (DockerfileParseException e) { throw new BuildException(e.Message, 1, e); }
    }

    /// <summary>ARGs before the first FROM (defaults overridden by --build-arg) and the predefined platform
    /// and proxy arguments, usable in FROM lines and by stages that declare them. TARGET* name the platform
    /// being built (<c>--platform</c>), BUILD* this host's, as BuildKit's.</summary>
    private static Dictionary<string, string> GlobalArgs(Dockerfile file, BuildRequest request, ShellWordExpander expander, Platform target)
    {
        var args = new Dictionary<string, string>();
        BuildPlatforms.AddArgs(args, "TARGET", target);
        BuildPlatforms.AddArgs(args, "BUILD", Platform.Host());
        foreach (var name in BuildRun.ProxyArgs)
            if (request.BuildArgs.TryGetValue(name, out var p)) args[name] = p;
        foreach (var arg in file.GlobalArgs.SelectMany(a => a.Args))
        {
            if (request.BuildArgs.TryGetValue(arg.Name, out var given)) args[arg.Name] = given;
            else if (arg.Default is { } d) args[arg.Name] = expander.ProcessWord(d, n => args.GetValueOrDefault(n));
            else args.Remove(arg.Name);
        }
        return args;
    }
}

/// <summary>What the stages of one build (of one platform) share.</summary>
internal sealed record BuildRun(ContainerEngine Engine, BuildRequest Request, Dockerfile File, BuildContext Context,
    StepCache Cache, ShellWordExpander Expander, Dictionary<string, string> GlobalArgs, System.Collections.Concurrent.ConcurrentDictionary<int, string> Built)
{
    /// <summary>Where the steps are reported.</summary>
    public BuildProgress Progress { get; init; } = BuildProgress.Null;
    /// <summary>The platform this run builds (<c>--platform</c>; the host's by default).</summary>
    public Platform TargetPlatform { get; init; } = Platform.Host();
    /// <summary>What the runs of all platforms share: cancellation, the step locks, running containers.</summary>
    public BuildShared Shared { get; init; } = new();
    /// <summary>What step lines put before the stage name: the platform when several are built.</summary>
    public string PlatformLabel { get; init; } = "";

    public static readonly string[] ProxyArgs = ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"];
}
