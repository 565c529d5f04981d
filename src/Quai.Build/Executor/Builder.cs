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
        var globals = GlobalArgs(file, request, expander);
        string FromOf(Stage s) => expander.ProcessWord(s.From.Image, n => globals.GetValueOrDefault(n)) is { Length: > 0 } f ? f
            : throw new BuildException($"{request.DockerfileName}:{s.From.StartLine}: base name ({s.From.Image}) should not be blank");
        var target = StageGraph.Target(file, request.Target, request.DockerfileName);
        var order = StageGraph.Order(file, target, FromOf, request.DockerfileName);
        var built = new Dictionary<int, string>();
        var run = new BuildRun(engine, request, file, context, cache, expander, globals, built) { Progress = progress };
        int step = 0, steps = order.Sum(s => s.Instructions.Count + 1);
        foreach (var stage in order)
            built[stage.Index] = new StageRunner(run, stage, FromOf(stage)).Run(ref step, steps);
        var id = built[target.Index];
        if (!request.KeepImage) return id; // -o type=local|tar: the steps stay cached, nothing is a result
        if (request.Labels.Count > 0)
        {
            var config = engine.Images.Resolve(id).Config.Config ?? new ContainerConfig();
            config.Labels ??= [];
            foreach (var (k, v) in request.Labels) config.Labels[k] = v;
            config.Labels = config.Labels.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(); // Docker's (Go's) key order
            id = engine.Images.Derive(new DeriveOptions { Parent = id, Config = config, CreatedBy = "LABEL " + string.Join(' ', request.Labels.Select(l => $"{l.Key}={l.Value}")) }).Id;
        }
        engine.Images.MarkBuildResult(id);
        foreach (var tag in request.Tags) engine.Images.Tag(id, tag);
        return id;
    }

    private static Dockerfile Parse(BuildRequest request)
    {
        try { return DockerfileParser.Parse(request.DockerfileText, request.DockerfileName); }
        catch (DockerfileParseException e) { throw new BuildException(e.Message, 1, e); }
    }

    /// <summary>ARGs before the first FROM (defaults overridden by --build-arg) and the predefined platform
    /// and proxy arguments, usable in FROM lines and by stages that declare them.</summary>
    private static Dictionary<string, string> GlobalArgs(Dockerfile file, BuildRequest request, ShellWordExpander expander)
    {
        var host = Platform.Host();
        var platform = host.Variant is { Length: > 0 } v ? $"{host.Os}/{host.Architecture}/{v}" : $"{host.Os}/{host.Architecture}";
        var args = new Dictionary<string, string>
        {
            ["TARGETPLATFORM"] = platform, ["TARGETOS"] = host.Os, ["TARGETARCH"] = host.Architecture, ["TARGETVARIANT"] = host.Variant ?? "",
            ["BUILDPLATFORM"] = platform, ["BUILDOS"] = host.Os, ["BUILDARCH"] = host.Architecture, ["BUILDVARIANT"] = host.Variant ?? "",
        };
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

/// <summary>What the stages of one build share.</summary>
internal sealed record BuildRun(ContainerEngine Engine, BuildRequest Request, Dockerfile File, BuildContext Context,
    StepCache Cache, ShellWordExpander Expander, Dictionary<string, string> GlobalArgs, Dictionary<int, string> Built)
{
    /// <summary>Where the steps are reported.</summary>
    public BuildProgress Progress { get; init; } = BuildProgress.Null;

    public static readonly string[] ProxyArgs = ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"];
}
