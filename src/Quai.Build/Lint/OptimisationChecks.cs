using System.Text.RegularExpressions;
using Quai.Build.Syntax;

namespace Quai.Build.Lint;

/// <summary>
/// Quai's rules from the course's advice on small images and fast builds: merge RUNs, clean
/// package caches in the RUN that fills them, pin versions, a .dockerignore, copy the whole context
/// late, no build tools in the final stage, not root, no credentials in ARG/ENV values.
/// </summary>
internal static partial class OptimisationChecks
{
    private static readonly HashSet<string> BuildTools =
    [
        "build-essential", "build-base", "alpine-sdk", "gcc", "g++", "gcc-c++", "clang", "make", "cmake", "autoconf", "automake", "libtool", "musl-dev",
    ];

    private static readonly string[] DependencyInstalls =
    [
        "npm ci", "npm install", "npm i", "yarn install", "yarn", "pnpm install", "pip install -r", "pip3 install -r", "pipenv install", "poetry install",
        "bundle install", "go mod download", "composer install", "cargo fetch", "dotnet restore", "mvn dependency:go-offline", "gradle dependencies", "apt-get install", "apk add",
    ];

    public static void Run(LintContext c)
    {
        foreach (var stage in c.Dockerfile.Stages)
        {
            BaseImage(c, stage);
            ConsecutiveRuns(c, stage);
            PackageManagers(c, stage);
            CopyBeforeDependencies(c, stage);
            foreach (var instruction in stage.Instructions) SecretValues(c, instruction);
        }
        foreach (var arg in c.Dockerfile.GlobalArgs) SecretValues(c, arg);
        Dockerignore(c);
        FinalUser(c);
    }

    private static void BaseImage(LintContext c, Stage stage)
    {
        if (c.Parents[stage.Index] >= 0) return; // an earlier stage
        var name = c.BaseName(stage);
        if (name is null || name.Length == 0 || name.Contains('$') || name.Equals("scratch", StringComparison.OrdinalIgnoreCase)) return;
        var (repository, tag, digest) = ImageReference.Split(name);
        if (digest is not null) return;
        if (tag is null)
            c.Report(LintRules.UnpinnedBaseImage, $"Base image '{name}' has no tag: it means '{repository}:latest', whatever that is at build time", stage.From);
        else if (tag == "latest")
            c.Report(LintRules.UnpinnedBaseImage, $"Base image '{name}' uses the latest tag: the build changes whenever it moves", stage.From);
    }

    private static void ConsecutiveRuns(LintContext c, Stage stage)
    {
        var runs = new List<RunInstruction>();
        void Flush()
        {
            if (runs.Count > 1)
                c.Report(LintRules.ConsecutiveRunInstructions, $"{runs.Count} consecutive RUN instructions make {runs.Count} layers; merge them into one RUN", runs[0].StartLine, runs[^1].EndLine);
            runs.Clear();
        }
        foreach (var instruction in stage.Instructions)
        {
            // RUNs with other mounts, network or security options cannot always share one RUN
            if (instruction is RunInstruction run && (runs.Count == 0 || SameOptions(runs[0], run))) runs.Add(run);
            else
            {
                Flush();
                if (instruction is RunInstruction next) runs.Add(next);
            }
        }
        Flush();
    }

    private static bool SameOptions(RunInstruction a, RunInstruction b) =>
        a.Network == b.Network && a.Security == b.Security && a.Mounts.Select(m => m.Spec).SequenceEqual(b.Mounts.Select(m => m.Spec));

    private static void PackageManagers(LintContext c, Stage stage)
    {
        bool pipNoCache = c.Chain(stage).SelectMany(s => s.Instructions).OfType<EnvInstruction>().Any(e => e.Variables.Any(v => v.Key == "PIP_NO_CACHE_DIR"));
        bool final = stage.Index == c.Final.Index;
        foreach (var run in stage.Instructions.OfType<RunInstruction>())
        {
            string script = ShellCommands.Script(run);
            var commands = ShellCommands.Commands(script);
            var installs = PackageInstall.Find(commands).ToList();
            var cacheTargets = run.Mounts.Where(m => m.Type == RunMountType.Cache).Select(m => m.Target ?? "").ToList();
            bool Cached(params string[] dirs) => cacheTargets.Any(t => dirs.Any(d => t.TrimEnd('/').Length > 0 && d.StartsWith(t.TrimEnd('/'), StringComparison.Ordinal)));

            foreach (var manager in installs.Select(i => i.Manager).Distinct())
            {
                var firstInstall = installs.First(i => i.Manager == manager);
                string? problem = manager switch
                {
                    "apt" when !script.Contains("/var/lib/apt/lists", StringComparison.Ordinal) && !Cached("/var/lib/apt/lists", "/var/cache/apt") =>
                        "apt-get install without rm -rf /var/lib/apt/lists/* in the same RUN keeps the package lists in the layer",
                    "apk" when installs.Where(i => i.Manager == "apk").Any(i => !i.Command.Contains("--no-cache")) && !script.Contains("/var/cache/apk", StringComparison.Ordinal) && !Cached("/var/cache/apk") =>
                        "apk add without --no-cache keeps the package index in the layer",
                    "pip" when !pipNoCache && installs.Where(i => i.Manager == "pip").Any(i => !i.Command.Contains("--no-cache-dir")) && !Cached("/root/.cache/pip") =>
                        "pip install without --no-cache-dir keeps pip's download cache in the layer",
                    "dnf" when !Regex.IsMatch(script, @"\b(dnf|yum|microdnf|tdnf)\s+clean\s+all\b") && !script.Contains("/var/cache/dnf", StringComparison.Ordinal)
                            && !script.Contains("/var/cache/yum", StringComparison.Ordinal) && !Cached("/var/cache/dnf", "/var/cache/yum") =>
                        $"{Path.GetFileName(firstInstall.Command[0])} install without {Path.GetFileName(firstInstall.Command[0])} clean all in the same RUN keeps its cache in the layer",
                    _ => null,
                };
                if (problem is not null) c.Report(LintRules.PackageCacheNotCleaned, problem, run);
            }

            var unpinned = installs.SelectMany(i => i.Packages.Where(p => !i.IsPinned(p))).Distinct().ToList();
            if (unpinned.Count > 0)
                c.Report(LintRules.UnpinnedPackageVersions, $"Packages installed without a pinned version: {string.Join(", ", unpinned)}", run);

            if (final)
            {
                // removed again in the same RUN (apk del .build-deps, apt-get purge …): the layer keeps nothing
                bool removes = commands.Any(w => w.Count > 1 && Path.GetFileName(w[0]) is "apk" or "apt-get" or "apt" or "dnf" or "yum" or "microdnf"
                    && w[1] is "del" or "purge" or "remove" or "autoremove" or "erase");
                var tools = removes ? [] : installs.Where(i => i.Manager != "pip").SelectMany(i => i.Packages).Select(p => p.Split('=', '~')[0])
                    .Where(BuildTools.Contains).Distinct().ToList();
                if (tools.Count > 0)
                {
                    string how = c.Dockerfile.Stages.Count == 1 ? "a multi-stage build would leave them out" : "install them in a build stage and COPY --from it only the result";
                    c.Report(LintRules.BuildToolsInFinalStage, $"Build tools installed in the final stage stay in the image: {string.Join(", ", tools)}; {how}", run);
                }
            }
        }
    }

    private static bool CopiesWholeContext(Instruction instruction) => instruction switch
    {
        CopyInstruction { From: null } copy => copy.Sources.Any(IsWholeContext),
        AddInstruction add => add.Sources.Any(IsWholeContext),
        _ => false,
    };

    private static bool IsWholeContext(string source) => source is "." or "./" or "*" or "./*" or "/" or "./.";

    private static void CopyBeforeDependencies(LintContext c, Stage stage)
    {
        for (int i = 0; i < stage.Instructions.Count; i++)
        {
            if (!CopiesWholeContext(stage.Instructions[i])) continue;
            foreach (var run in stage.Instructions.Skip(i + 1).OfType<RunInstruction>())
            {
                var install = ShellCommands.Commands(ShellCommands.Script(run)).Select(w => string.Join(' ', w))
                    .Select(line => DependencyInstalls.FirstOrDefault(d => line == d || line.StartsWith(d + " ", StringComparison.Ordinal)))
                    .FirstOrDefault(d => d is not null);
                if (install is null) continue;
                c.Report(LintRules.CopyContextBeforeDependencies,
                    $"The whole context is copied before '{install}' (line {run.StartLine}): a change to any file runs the install again", stage.Instructions[i]);
                break;
            }
            break;
        }
    }

    private static void Dockerignore(LintContext c)
    {
        if (c.Request.Context is not { } context || !ReferenceEquals(context.Ignore, Context.DockerIgnore.Empty)) return;
        var first = c.Dockerfile.Stages.SelectMany(s => s.Instructions).FirstOrDefault(i => i switch
        {
            CopyInstruction { From: null } copy => copy.Sources.Count > 0,
            AddInstruction add => add.Sources.Any(s => !s.Contains("://", StringComparison.Ordinal)),
            _ => false,
        });
        if (first is not null)
            c.Report(LintRules.MissingDockerignore, "The build context has no .dockerignore: COPY and ADD can take everything in it (.git, build outputs, local secrets)", first);
    }

    private static void FinalUser(LintContext c)
    {
        var chain = c.Chain(c.Final).ToList();
        UserInstruction? last = chain.SelectMany(s => s.Instructions).OfType<UserInstruction>().LastOrDefault();
        if (last is null)
        {
            if (c.RootImage(c.Final)?.User is { Length: > 0 } user && !IsRoot(user)) return;
            c.Report(LintRules.NoUser, "The final stage sets no USER: the container runs as root", c.Final.From);
        }
        else if (IsRoot(last.User))
            c.Report(LintRules.NoUser, $"The final stage ends as USER {last.User}: the container runs as root", last);
    }

    private static bool IsRoot(string user) => user.Split(':')[0] is "root" or "0" or "";

    [GeneratedRegex(@"AKIA[0-9A-Z]{16}|\bgh[pousr]_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{22,}|\bglpat-[A-Za-z0-9_-]{20}|\bxox[abprs]-[A-Za-z0-9-]{10,}|\bsk_live_[A-Za-z0-9]{16,}|-----BEGIN [A-Z ]*PRIVATE KEY-----")]
    private static partial Regex TokenValue();

    [GeneratedRegex(@"[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@$]+:[^/\s@$]+@")]
    private static partial Regex PasswordInUrl();

    private static void SecretValues(LintContext c, Instruction instruction)
    {
        var values = instruction switch
        {
            ArgInstruction a => a.Args.Where(d => d.Default is not null).Select(d => (d.Name, Value: d.Default!)),
            EnvInstruction e => e.Variables.Select(v => (Name: v.Key, v.Value)),
            _ => [],
        };
        string written = LintContext.Written(instruction);
        foreach (var (name, value) in values)
        {
            string? what = TokenValue().IsMatch(value) ? "an access token or private key" : PasswordInUrl().IsMatch(value) ? "a password in a URL" : null;
            if (what is not null)
                c.Report(LintRules.SecretValueInArgOrEnv, $"{written} {GoText.Quote(name)} holds what looks like a credential ({what})", instruction);
        }
    }
}
