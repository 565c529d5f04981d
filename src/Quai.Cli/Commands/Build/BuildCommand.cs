using System.CommandLine;
using Quai.Build.Executor;
using Quai.Cli.Commands.Containers;

namespace Quai.Cli.Commands.Build;

/// <summary><c>build</c> (and <c>image build</c>, <c>buildx build</c>): docker build's everyday flags over
/// <see cref="Builder"/>. Step lines and RUN output go to stderr, as BuildKit's do; the image ID to stdout
/// with -q; a failed build exits 1 (BuildKit's code) and tags nothing.</summary>
public static class BuildCommand
{
    public static void Register(CliContext cli)
    {
        cli.Add(cli.Strict(Create(cli, "build")));
        var image = cli.Root.Subcommands.FirstOrDefault(c => c.Name == "image");
        image?.Add(cli.Strict(Create(cli, "build")));
        var buildx = new Command("buildx", "Docker Buildx (the builder is Quai's own)");
        buildx.Add(cli.Strict(Create(cli, "build")));
        buildx.Add(cli.Strict(Prune(cli)));
        cli.Add(buildx);
        var builder = new Command("builder", "Manage builds");
        builder.Add(cli.Strict(Create(cli, "build")));
        builder.Add(cli.Strict(Prune(cli)));
        cli.Add(builder);
    }

    public static Command Create(CliContext cli, string name)
    {
        var tags = new Option<string[]>("--tag", "-t") { Description = "Name and optionally a tag (format: \"name:tag\")" };
        var file = new Option<string?>("--file", "-f") { Description = "Name of the Dockerfile (default: \"PATH/Dockerfile\")" };
        var buildArgs = new Option<string[]>("--build-arg") { Description = "Set build-time variables" };
        var labels = new Option<string[]>("--label") { Description = "Set metadata for an image" };
        var target = new Option<string?>("--target") { Description = "Set the target build stage to build" };
        var noCache = new Option<bool>("--no-cache") { Description = "Do not use cache when building the image" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Suppress the build output and print image ID on success" };
        var iidfile = new Option<string?>("--iidfile") { Description = "Write the image ID to a file" };
        var progress = new Option<string?>("--progress") { Description = "Set type of progress output (\"auto\", \"plain\", \"tty\", \"quiet\")" };
        var output = new Option<string[]>("--output", "-o") { Description = "Output destination (format: \"type=local,dest=path\")" };
        var metadataFile = new Option<string?>("--metadata-file") { Description = "Write build result metadata to a file" };
        var pull = new Option<bool>("--pull") { Description = "Always attempt to pull all referenced images" };
        var noCacheFilter = new Option<string[]>("--no-cache-filter") { Description = "Do not cache specified stages" };
        var secrets = new Option<string[]>("--secret") { Description = "Secret to expose to the build (format: \"id=mysecret[,src=/local/secret]\")" };
        var ssh = new Option<string[]>("--ssh") { Description = "SSH agent socket to expose to the build (format: \"default|<id>[=<socket>]\")" };
        var network = new Option<string?>("--network") { Description = "Set the networking mode for the \"RUN\" instructions during build (default \"default\")" };
        var addHost = new Option<string[]>("--add-host") { Description = "Add a custom host-to-IP mapping (format: \"host:ip\")" };
        var shmSize = new Option<string?>("--shm-size") { Description = "Shared memory size for build containers" };
        var ulimit = new Option<string[]>("--ulimit") { Description = "Ulimit options" };
        var platform = new Option<string[]>("--platform") { Description = "Set target platform for build (e.g. \"linux/arm64\", or \"linux/amd64,linux/arm64\" for an image index)" };
        var context = new Argument<string>("PATH");
        var check = new Option<bool>("--check") { Description = "Shorthand for \"--call=check\": run the build checks, do not build" };
        var cmd = new Command(name, "Build an image from a Dockerfile") { tags, file, buildArgs, labels, target, noCache, quiet, iidfile, progress, output, metadataFile, pull, noCacheFilter, secrets, ssh, network, addHost, shmSize, ulimit, platform, context, check };
        cmd.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            var ctx = p.GetValue(context)!;
            RunFlags run;
            try { run = ParseRunFlags(p.GetValue(secrets), p.GetValue(ssh), p.GetValue(network), p.GetValue(addHost), p.GetValue(shmSize), p.GetValue(ulimit)); }
            catch (FormatException e) { return cli.Fail(e.Message, 1); }
            List<Quai.Oci.Image.Platform> platforms;
            try { platforms = BuildPlatforms.ParseList(p.GetValue(platform)); }
            catch (FormatException e) { return Failed(cli, e.Message); }
            if (ContextSource.IsRemote(ctx))
                return Failed(cli, $"unable to prepare context: remote contexts (git repositories and URLs) are not supported yet: clone or download {ctx} and build the directory");
            BuildOutput result;
            BuildProgress reporter;
            var q = p.GetValue(quiet) || p.GetValue(progress) == "quiet";
            try
            {
                result = BuildOutput.Parse(p.GetValue(output) ?? []);
                reporter = q ? BuildProgress.Null : Reporter(cli, p.GetValue(progress));
            }
            catch (ArgumentException e) { return Failed(cli, e.Message); }
            if (result.ToStdout && !Console.IsOutputRedirected)
                return Failed(cli, "refusing to write the output to a terminal: redirect stdout or give dest=FILE");
            ContextSource? source = null;
            try
            {
                string text, dockerfileName;
                string? inContext, ignoreText = null;
                var f = p.GetValue(file);
                if (ctx == "-")
                {
                    if (f == "-") return Failed(cli, "invalid argument: can't use stdin for both build context and dockerfile");
                    // stdin is a Dockerfile (an empty context) or a context tar, told apart by content as docker does
                    source = ContextSource.FromStdin(Quai.Cli.Output.StdStreams.OpenIn(), out var stdinText);
                    if (stdinText is not null) { text = stdinText; dockerfileName = "Dockerfile"; inContext = null; }
                    else
                    {
                        var rel = f is { Length: > 0 } ? f : "Dockerfile";
                        text = source.ReadDockerfile(rel) ?? throw new BuildException($"failed to read dockerfile: open {rel}: no such file or directory in the context from stdin");
                        dockerfileName = Path.GetFileName(rel);
                        inContext = Quai.Fs.InRoot.Clean(rel);
                    }
                }
                else
                {
                    if (!Directory.Exists(ctx)) return cli.Fail($"unable to prepare context: path \"{ctx}\" not found", 1);
                    source = ContextSource.Directory(ctx);
                    var dir = source.Dir;
                    var df = f is { Length: > 0 } ? (f == "-" ? null : Path.GetFullPath(f)) : Path.Combine(dir, "Dockerfile");
                    text = df is null ? Quai.Cli.Output.StdStreams.In.ReadToEnd() : File.Exists(df) ? File.ReadAllText(df)
                        : throw new BuildException($"failed to read dockerfile: open {df}: no such file or directory");
                    dockerfileName = df is null ? "Dockerfile" : Path.GetFileName(df);
                    inContext = df is not null && df.StartsWith(dir + "/", StringComparison.Ordinal) ? df[(dir.Length + 1)..] : null;
                    // Docker: NAME.dockerignore next to the Dockerfile replaces the context's .dockerignore
                    if (df is not null && File.Exists(df + ".dockerignore")) ignoreText = File.ReadAllText(df + ".dockerignore");
                }
                if (p.GetValue(check))
                    return Check(cli, engine, text, dockerfileName, ctx == "-" && inContext is null ? null : source.Dir, inContext, Pairs(p.GetValue(buildArgs), fromEnv: true), p.GetValue(target));
                var request = new BuildRequest
                {
                    ContextDir = source.Dir, DockerfileText = text, DockerfileName = dockerfileName, DockerfileInContext = inContext, DockerignoreText = ignoreText,
                    Tags = result.KeepsImage ? [.. p.GetValue(tags) ?? [], .. result.Names] : [],
                    BuildArgs = Pairs(p.GetValue(buildArgs), fromEnv: true), Labels = Pairs(p.GetValue(labels), fromEnv: false),
                    Target = p.GetValue(target), AlwaysPull = p.GetValue(pull), PullBase = (store, image, plat) => PullBase(cli, store, image, plat), NoCache = p.GetValue(noCache), Progress = q ? TextWriter.Null : cli.Err,
                    Reporter = reporter, KeepImage = result.KeepsImage,
                    NoCacheFilter = (p.GetValue(noCacheFilter) ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList(),
                    Secrets = run.Secrets, Ssh = run.Ssh, Network = run.Network, ExtraHosts = run.Hosts, ShmSize = run.Shm, Ulimits = run.Ulimits,
                    Platforms = platforms,
                };
                var id = new Builder(engine).Build(request);
                if (result.KeepsImage) Quai.Engine.Events.ImageEvents.Emit(engine.Images.Root, "build", id, request.Tags.FirstOrDefault());
                Export(engine, result, id, request.Tags, reporter);
                reporter.Dispose();
                if (result.KeepsImage && p.GetValue(iidfile) is { Length: > 0 } iid) File.WriteAllText(iid, id);
                if (p.GetValue(metadataFile) is { Length: > 0 } meta)
                    Quai.Fs.AtomicFile.Write(meta, BuildOutput.Metadata(engine.Images, result.KeepsImage ? id : null, request.Tags));
                if (q && result.KeepsImage && !result.ToStdout) cli.Out.WriteLine(id);
                return 0;
            }
            catch (BuildException e)
            {
                reporter.Dispose();
                cli.Err.WriteLine($"ERROR: failed to solve: {e.Message}");
                return 1;
            }
            finally
            {
                reporter.Dispose();
                source?.Dispose();
            }
        }));
        return cmd;
    }

    /// <summary>A base image pulled for FROM, quietly (the build's own progress owns the terminal).</summary>
    private static void PullBase(CliContext cli, Quai.Images.ImageStore store, string image, Quai.Oci.Image.Platform platform)
    {
        using var client = Registry.RegistryAccess.Client(cli);
        Registry.RegistryAccess.Wait(new Quai.Registry.Distribution.Puller(store, client, Quai.Registry.Progress.NullProgress.Instance)
            .PullAsync(Quai.Oci.Image.Reference.Parse(image), new Quai.Registry.Distribution.PullOptions { Platform = platform }));
    }

    private static int Failed(CliContext cli, string message)
    {
        cli.Err.WriteLine($"ERROR: {message}");
        return 1;
    }

    /// <summary>--progress: the live view when stderr is a terminal (and TERM is not dumb), else plain lines.</summary>
    private static BuildProgress Reporter(CliContext cli, string? mode)
    {
        var terminal = cli.Err == Console.Error && Quai.Interop.RawTerminal.IsTerminal(2);
        int width = 80, height = 24;
        if (terminal)
        {
            try { if (Quai.Interop.RawTerminal.Size(2) is { } size) { width = size.Cols; height = size.Rows; } }
            catch (IOException) { }
            catch (InvalidOperationException) { }
            if (width <= 0 && int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var cols)) width = cols;
            if (width <= 0) width = 80;
            if (height <= 0) height = 24;
        }
        return BuildProgress.Create(mode, cli.Err, terminal, Environment.GetEnvironmentVariable("TERM"), width, height);
    }

    /// <summary>The exporting step: the image's names, then the archive or files -o asks for. A failure is the
    /// build's (ERROR: failed to solve), and leaves no half archive.</summary>
    private static void Export(Quai.Engine.ContainerEngine engine, BuildOutput result, string id, IReadOnlyList<string> tags, BuildProgress reporter)
    {
        var step = reporter.Start(result.StepName);
        try
        {
            if (result.KeepsImage)
            {
                reporter.Status(step, "exporting layers done");
                reporter.Status(step, $"writing image {id} done");
                foreach (var t in tags) reporter.Status(step, $"naming to {Quai.Oci.Image.Reference.ParseNormalized(t)} done");
            }
            result.Write(engine, id, tags, Quai.Cli.Output.StdStreams.OpenOut, reporter, step);
            reporter.Done(step);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or Quai.Images.ImageNotFoundException
                                   or Quai.Engine.Containers.NotFoundException or Quai.Engine.Containers.ConflictException or Quai.Engine.Containers.EngineUsageException)
        {
            reporter.Fail(step, e.Message);
            throw new BuildException($"exporting to {result.Type.ToString().ToLowerInvariant()} {result.Dest}: {e.Message}".TrimEnd(), 1, e);
        }
    }

    /// <summary><c>builder prune</c> / <c>buildx prune</c>: the build cache and its step images. Every entry is
    /// unused once no build runs, so -a changes only the prompt; <c>--filter until=</c> keeps what was used
    /// since, <c>--keep-storage</c> (or <c>--reserved-space</c>) keeps the most recently used up to a size.</summary>
    public static Command Prune(CliContext cli)
    {
        var all = new Option<bool>("--all", "-a") { Description = "Remove all unused build cache, not just dangling ones" };
        var force = new Option<bool>("--force", "-f") { Description = "Do not prompt for confirmation" };
        var filter = new Option<string[]>("--filter") { Description = "Provide filter values (e.g. \"until=24h\")" };
        var keepStorage = new Option<string?>("--keep-storage") { Description = "Amount of disk space to keep for cache" };
        var reserved = new Option<string?>("--reserved-space") { Description = "Amount of disk space always allowed to keep for cache" };
        var cmd = new Command("prune", "Remove build cache") { all, force, filter, keepStorage, reserved };
        cmd.SetAction(p => cli.Run(p, store =>
        {
            DateTimeOffset? until = null;
            foreach (var spec in p.GetValue(filter) ?? [])
            {
                var eq = spec.IndexOf('=');
                if (eq <= 0) throw new UsageException($"bad format of filter (expected name=value): {spec}");
                var (key, value) = (spec[..eq].ToLowerInvariant(), spec[(eq + 1)..]);
                if (key != "until") throw new UsageException($"filter \"{key}\" is not supported yet (until is)");
                until = Until(value);
            }
            long? keep = null;
            if ((p.GetValue(keepStorage) ?? p.GetValue(reserved)) is { Length: > 0 } size)
            {
                try { keep = Quai.Engine.Specs.Units.RamInBytes(size); }
                catch (Quai.Engine.Containers.EngineUsageException e) { throw new UsageException(e.Message); }
            }
            if (!p.GetValue(force))
            {
                cli.Out.Write($"WARNING! This will remove all {(p.GetValue(all) ? "" : "dangling ")}build cache.\nAre you sure you want to continue? [y/N] ");
                if (Quai.Cli.Output.StdStreams.In.ReadLine()?.Trim().ToLowerInvariant() is not ("y" or "yes")) return 0;
            }
            var (deleted, reclaimed) = StepCache.For(store.Root).Prune(store, new CachePruneOptions(until, keep));
            if (deleted.Count > 0)
            {
                cli.Out.WriteLine("Deleted build cache objects:");
                foreach (var d in deleted) cli.Out.WriteLine(d);
                cli.Out.WriteLine();
            }
            cli.Out.WriteLine($"Total:\t{Quai.Cli.Output.Units.HumanSize(reclaimed)}");
            return 0;
        }));
        return cmd;
    }

    /// <summary>until=: a Go duration before now (24h, 90m) or a timestamp (RFC 3339, a date, Unix seconds).</summary>
    private static DateTimeOffset Until(string value)
    {
        if (double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var unix))
            return DateTimeOffset.FromUnixTimeMilliseconds((long)(unix * 1000));
        try { return DateTimeOffset.UtcNow - Quai.Engine.Specs.Units.ParseDuration(value); }
        catch (Quai.Engine.Containers.EngineUsageException) { }
        if (DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t)) return t;
        throw new UsageException($"invalid filter 'until={value}': expected a duration (24h) or a timestamp");
    }

    private sealed record RunFlags(Dictionary<string, BuildSecret> Secrets, Dictionary<string, BuildSsh> Ssh, string Network, List<string> Hosts, long Shm,
        List<Quai.Engine.Containers.Ulimit> Ulimits);

    /// <summary>--secret, --ssh, --network, --add-host, --shm-size, --ulimit, as docker buildx reads them.</summary>
    private static RunFlags ParseRunFlags(string[]? secrets, string[]? ssh, string? network, string[]? hosts, string? shm, string[]? ulimits)
    {
        static string? Env(string n) => Environment.GetEnvironmentVariable(n);
        var s = new Dictionary<string, BuildSecret>();
        foreach (var v in secrets ?? []) { var b = BuildFlagParser.ParseSecret(v, Env); s[b.Id] = b; }
        var a = new Dictionary<string, BuildSsh>();
        foreach (var v in ssh ?? []) { var b = BuildFlagParser.ParseSsh(v, Env); a[b.Id] = b; }
        long shmBytes = 0;
        if (shm is { Length: > 0 })
        {
            try { shmBytes = Quai.Engine.Specs.Units.RamInBytes(shm); }
            catch (Exception e) when (e is not OutOfMemoryException) { throw new FormatException($"invalid argument \"{shm}\" for \"--shm-size\" flag: {e.Message}"); }
        }
        return new RunFlags(s, a, BuildFlagParser.ParseNetwork(network ?? "default"), (hosts ?? []).Select(BuildFlagParser.ParseAddHost).ToList(), shmBytes,
            (ulimits ?? []).Select(BuildFlagParser.ParseUlimit).ToList());
    }

    /// <summary>KEY=VALUE pairs; a bare KEY takes the caller's environment variable (as docker's --build-arg).</summary>
    private static Dictionary<string, string> Pairs(string[]? items, bool fromEnv)
    {
        var d = new Dictionary<string, string>();
        foreach (var item in items ?? [])
        {
            var eq = item.IndexOf('=');
            if (eq > 0) d[item[..eq]] = item[(eq + 1)..];
            else if (!fromEnv) d[item] = "";
            else if (Environment.GetEnvironmentVariable(item) is { } v) d[item] = v;
        }
        return d;
    }

    /// <summary><c>build --check</c>: the build checks on the Dockerfile and context, nothing built. Warnings to
    /// stdout as buildx prints them; exit 1 when any is found (buildx's status), with <c>error=true</c> also
    /// BuildKit's error on stderr.</summary>
    private static int Check(CliContext cli, Quai.Engine.ContainerEngine engine, string text, string dockerfileName, string? dir, string? inContext,
        Dictionary<string, string> buildArgs, string? target)
    {
        try
        {
            using var context = dir is null ? null : Quai.Build.Context.BuildContext.Open(dir, inContext);
            var report = Quai.Build.Lint.DockerfileLinter.Check(new Quai.Build.Lint.LintRequest
            {
                DockerfileText = text, DockerfileName = dockerfileName, BuildArgs = buildArgs, Target = target, Context = context,
                BaseImage = reference =>
                {
                    try
                    {
                        var config = engine.Images.Resolve(reference).Config.Config;
                        if (config is null) return new Quai.Build.Lint.BaseImageFacts([], null, false);
                        var env = (config.Env ?? []).Select(e => e.Split('=', 2)[0]).ToList();
                        return new Quai.Build.Lint.BaseImageFacts(env, config.User, config.Shell is { Count: > 0 });
                    }
                    catch (Exception) { return null; } // not a local image: what it defines is unknown
                },
            });
            Quai.Build.Lint.LintPrinter.PrintWarnings(report, cli.Out);
            cli.Out.Flush();
            if (report.Error is not null)
            {
                if (report.Findings.Count > 0) cli.Out.WriteLine();
                Quai.Build.Lint.LintPrinter.PrintError(report, cli.Err);
            }
            return report.ExitCode;
        }
        catch (Quai.Build.Syntax.DockerfileParseException e)
        {
            cli.Err.WriteLine($"ERROR: failed to solve: {e.Message}");
            return 1;
        }
        catch (Quai.Build.Context.DockerIgnoreException e)
        {
            cli.Err.WriteLine($"ERROR: failed to solve: {e.Message}");
            return 1;
        }
    }
}
