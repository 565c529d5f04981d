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
        var platform = new Option<string[]>("--platform") { Description = "Set target platform for build (e.g. \"linux/arm64\", or \"linux/amd64,linux/arm64\" for an image index)" };
        var context = new Argument<string>("PATH");
        var cmd = new Command(name, "Build an image from a Dockerfile") { tags, file, buildArgs, labels, target, noCache, quiet, iidfile, progress, context };
        cmd.Add(platform);
        cmd.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            var ctx = p.GetValue(context)!;
            List<Quai.Oci.Image.Platform> platforms;
            try { platforms = BuildPlatforms.ParseList(p.GetValue(platform)); }
            catch (FormatException e) { cli.Err.WriteLine("ERROR: " + e.Message); return 1; }
            string text, dockerfileName;
            string? inContext;
            string dir;
            if (ctx == "-")
            {
                // a Dockerfile on stdin, an empty context
                text = Console.In.ReadToEnd();
                dockerfileName = "Dockerfile";
                dir = Directory.CreateTempSubdirectory("quai-build-").FullName;
                inContext = null;
            }
            else
            {
                if (!Directory.Exists(ctx)) return cli.Fail($"unable to prepare context: path \"{ctx}\" not found", 1);
                dir = Path.GetFullPath(ctx);
                var df = p.GetValue(file) is { Length: > 0 } f ? (f == "-" ? null : Path.GetFullPath(f)) : Path.Combine(dir, "Dockerfile");
                text = df is null ? Console.In.ReadToEnd() : File.Exists(df) ? File.ReadAllText(df)
                    : throw new BuildException($"failed to read dockerfile: open {df}: no such file or directory");
                dockerfileName = df is null ? "Dockerfile" : Path.GetFileName(df);
                inContext = df is not null && df.StartsWith(dir + "/", StringComparison.Ordinal) ? df[(dir.Length + 1)..] : null;
            }
            var q = p.GetValue(quiet) || p.GetValue(progress) == "quiet";
            var request = new BuildRequest
            {
                ContextDir = dir, DockerfileText = text, DockerfileName = dockerfileName, DockerfileInContext = inContext,
                Tags = p.GetValue(tags) ?? [], BuildArgs = Pairs(p.GetValue(buildArgs), fromEnv: true), Labels = Pairs(p.GetValue(labels), fromEnv: false),
                Target = p.GetValue(target), NoCache = p.GetValue(noCache), Progress = q ? TextWriter.Null : cli.Err,
                Platforms = platforms,
            };
            try
            {
                var id = new Builder(engine).Build(request);
                if (p.GetValue(iidfile) is { Length: > 0 } iid) File.WriteAllText(iid, id);
                if (q) cli.Out.WriteLine(id);
                else cli.Err.WriteLine($"writing image {id} done" + string.Concat(request.Tags.Select(t => $"\nnaming to {t} done")));
                return 0;
            }
            catch (BuildException e)
            {
                cli.Err.WriteLine($"ERROR: failed to solve: {e.Message}");
                return 1;
            }
            finally
            {
                if (ctx == "-") Directory.Delete(dir, true);
            }
        }));
        return cmd;
    }

    /// <summary><c>builder prune</c> / <c>buildx prune</c>: the build cache and its step images.</summary>
    public static Command Prune(CliContext cli)
    {
        var all = new Option<bool>("--all", "-a") { Description = "Remove all unused build cache, not just dangling ones" };
        var force = new Option<bool>("--force", "-f") { Description = "Do not prompt for confirmation" };
        var cmd = new Command("prune", "Remove build cache") { all, force };
        cmd.SetAction(p => cli.Run(p, store =>
        {
            if (!p.GetValue(force))
            {
                cli.Out.Write("WARNING! This will remove all dangling build cache.\nAre you sure you want to continue? [y/N] ");
                if (Console.In.ReadLine()?.Trim().ToLowerInvariant() is not ("y" or "yes")) return 0;
            }
            var (deleted, reclaimed) = StepCache.For(store.Root).Prune(store);
            if (deleted.Count > 0)
            {
                cli.Out.WriteLine("Deleted build cache objects:");
                foreach (var d in deleted) cli.Out.WriteLine(d.Replace("sha256:", ""));
                cli.Out.WriteLine();
            }
            cli.Out.WriteLine($"Total:\t{Quai.Cli.Output.Units.HumanSize(reclaimed)}");
            return 0;
        }));
        return cmd;
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
}
