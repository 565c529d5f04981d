using Quai.Build.Syntax;
using Quai.Images;
using Quai.Oci.Image;

namespace Quai.Build.Executor;

/// <summary>Runs one stage: FROM, then each instruction as a cached step on the image the previous one made.</summary>
internal sealed partial class StageRunner(BuildRun run, Stage stage, string from)
{
    private string? _image;             // the current image (null: scratch, nothing yet)
    private ContainerConfig _config = new();
    private Platform? _platform;
    private readonly Dictionary<string, string> _args = []; // ARGs declared in this stage, with their values
    private readonly List<string> _usedArgs = [];           // in the cache key of RUN steps

    private string Where(Instruction i) => $"{run.Request.DockerfileName}:{i.StartLine}";
    private TextWriter Out => run.Request.Progress;

    public string Run(ref int step, int steps)
    {
        Out.WriteLine($"#{++step}/{steps} [{run.PlatformLabel}{stage.Name ?? stage.Index.ToString()}] FROM {from}");
        From();
        foreach (var trigger in OnBuildTriggers()) Execute(trigger, ref step, steps, "ONBUILD ");
        foreach (var i in stage.Instructions) Execute(i, ref step, steps, "");
        return _image ?? Derive(new DeriveOptions { Platform = _platform, Config = _config, CreatedBy = "FROM scratch" });
    }

    private void Execute(Instruction i, ref int step, int steps, string prefix)
    {
        run.Shared.ThrowIfCancelled(); // another stage failed
        Out.WriteLine($"#{++step}/{steps} [{run.PlatformLabel}{stage.Name ?? stage.Index.ToString()}] {prefix}{i.Original}");
        try { Step(i); }
        catch (BuildException) { throw; }
        catch (Exception e) when (e is IOException or ArgumentException or FormatException or InvalidOperationException or UnauthorizedAccessException
                                   or ImageNotFoundException or Quai.Engine.Containers.NotFoundException or Quai.Engine.Containers.ConflictException
                                   or Quai.Engine.Containers.EngineUsageException or Quai.Engine.Containers.ContainerStartException)
        {
            throw new BuildException($"{Where(i)}: {i.Keyword}: {e.Message}", 1, e);
        }
    }

    private void From()
    {
        var platform = StagePlatform();
        if (from.Equals("scratch", StringComparison.OrdinalIgnoreCase)) { _platform = platform; return; }
        if (StageGraph.Find(run.File, from) is { } s && s.Index < stage.Index) _image = run.Built[s.Index];
        else
        {
            Quai.Images.Metadata.ImageRecord found;
            try { found = run.Engine.Images.Find(from); }
            catch (ImageNotFoundException)
            {
                throw new BuildException($"{Where(stage.From)}: FROM {from}: image not found locally (pull it first, or load it)");
            }
            _image = (run.Engine.Images.ForPlatform(found, platform) ?? throw NoPlatform(found, platform)).Id;
        }
        _config = run.Engine.Images.Resolve(_image).Config.Config ?? new ContainerConfig();
    }

    /// <summary>The base image's ONBUILD triggers run first, then are not inherited.</summary>
    private List<Instruction> OnBuildTriggers()
    {
        var triggers = _config.OnBuild ?? [];
        _config.OnBuild = null;
        if (triggers.Count == 0) return [];
        try
        {
            var parsed = DockerfileParser.Parse("FROM scratch\n" + string.Join('\n', triggers), $"ONBUILD of {from}");
            return [.. parsed.Stages[0].Instructions];
        }
        catch (DockerfileParseException e) { throw new BuildException($"{Where(stage.From)}: {e.Message}"); }
    }

    // ---------- expansion ----------

    private string? Lookup(string name)
    {
        foreach (var kv in _config.Env ?? [])
        {
            var eq = kv.IndexOf('=');
            if (eq > 0 && kv.AsSpan(0, eq).SequenceEqual(name)) return kv[(eq + 1)..];
        }
        return _args.TryGetValue(name, out var v) ? v : null;
    }

    private string Expand(string word) => run.Expander.ProcessWord(word, Lookup);
    private IReadOnlyList<string> ExpandWords(string word) => run.Expander.ProcessWords(word, Lookup);

    private void SetEnv(string key, string value)
    {
        var env = _config.Env ??= [];
        env.RemoveAll(e => e.StartsWith(key + "=", StringComparison.Ordinal));
        env.Add($"{key}={value}");
    }

    // ---------- steps ----------

    private void Step(Instruction i)
    {
        switch (i)
        {
            case RunInstruction r: RunStep(r); return;
            case CopyInstruction c: CopyStep(c, c.Sources, c.Destination, c.From, c.Chown, c.Chmod, c.Heredocs, "COPY"); return;
            case AddInstruction a:
                foreach (var src in a.Sources)
                    if (src.Contains("://", StringComparison.Ordinal) || src.StartsWith("git@", StringComparison.Ordinal))
                        throw new BuildException($"{Where(a)}: ADD {src}: fetching URLs is not supported yet; download the file into the context and COPY it");
                CopyStep(a, a.Sources, a.Destination, null, a.Chown, a.Chmod, a.Heredocs, "ADD");
                return;
            case ArgInstruction arg:
                foreach (var d in arg.Args)
                {
                    string? value = run.Request.BuildArgs.TryGetValue(d.Name, out var given) ? given
                        : d.Default is { } def ? Expand(def)
                        : run.GlobalArgs.TryGetValue(d.Name, out var g) ? g : null;
                    if (value is null) _args.Remove(d.Name);
                    else _args[d.Name] = value;
                    _usedArgs.Add(d.Name);
                }
                return; // ARG adds no image and no history, as BuildKit
        }
        var createdBy = ConfigStep(i);
        Commit(i, createdBy, null);
    }

    /// <summary>Applies a config-only instruction to <see cref="_config"/>; returns its history text.</summary>
    private string ConfigStep(Instruction i)
    {
        switch (i)
        {
            case EnvInstruction env:
                var values = env.Variables.Select(v => (Key: Expand(v.Key), Value: Expand(v.Value))).ToList();
                foreach (var (k, v) in values) SetEnv(k, v);
                return "ENV " + string.Join(' ', values.Select(v => $"{v.Key}={v.Value}"));
            case LabelInstruction label:
                _config.Labels ??= [];
                var labels = label.Labels.Select(l => (Key: Expand(l.Key), Value: Expand(l.Value))).ToList();
                foreach (var (k, v) in labels) _config.Labels[k] = v;
                return "LABEL " + string.Join(' ', labels.Select(l => $"{l.Key}={l.Value}"));
            case MaintainerInstruction m:
                return "MAINTAINER " + m.Maintainer;
            case WorkdirInstruction w:
                var dir = Expand(w.Path);
                _config.WorkingDir = dir.StartsWith('/') ? Normalize(dir) : Normalize((_config.WorkingDir ?? "/") + "/" + dir);
                return "WORKDIR " + _config.WorkingDir;
            case UserInstruction u:
                _config.User = Expand(u.User);
                return "USER " + _config.User;
            case CmdInstruction c:
                _config.Cmd = c.IsShellForm ? [.. Shell(), string.Join(' ', c.Command)] : [.. c.Command];
                _cmdSet = true;
                return "CMD " + Json(_config.Cmd);
            case EntrypointInstruction e:
                _config.Entrypoint = e.IsShellForm ? [.. Shell(), string.Join(' ', e.Command)] : [.. e.Command];
                // Docker: an ENTRYPOINT resets a CMD inherited from the base image
                if (!_cmdSet) _config.Cmd = null;
                return "ENTRYPOINT " + Json(_config.Entrypoint);
            case ExposeInstruction x:
                _config.ExposedPorts ??= [];
                var ports = x.Ports.SelectMany(ExpandWords).Select(p => p.Contains('/') ? p.ToLowerInvariant() : p + "/tcp").ToList();
                foreach (var p in ports) _config.ExposedPorts[p] = new EmptyObject();
                return "EXPOSE " + string.Join(' ', ports);
            case VolumeInstruction v:
                _config.Volumes ??= [];
                var vols = v.Volumes.Select(Expand).ToList();
                foreach (var p in vols) _config.Volumes[p] = new EmptyObject();
                return "VOLUME " + Json(vols);
            case StopSignalInstruction s:
                _config.StopSignal = Expand(s.Signal);
                return "STOPSIGNAL " + _config.StopSignal;
            case ShellInstruction sh:
                _config.Shell = [.. sh.Shell];
                return "SHELL " + Json(_config.Shell);
            case HealthcheckInstruction h:
                _config.Healthcheck = h.Test is ["NONE"] ? new HealthConfig { Test = ["NONE"] } : new HealthConfig
                {
                    Test = [.. h.Test],
                    Interval = Nanos(h.Interval), Timeout = Nanos(h.Timeout), StartPeriod = Nanos(h.StartPeriod),
                    StartInterval = Nanos(h.StartInterval), Retries = h.Retries == 0 ? null : h.Retries,
                };
                return "HEALTHCHECK " + Json(h.Test);
            case OnbuildInstruction o:
                (_config.OnBuild ??= []).Add(o.Expression);
                return "ONBUILD " + o.Expression;
            default:
                throw new BuildException($"{Where(i)}: {i.Keyword} is not supported yet");
        }
    }

    private bool _cmdSet;

    private static long? Nanos(TimeSpan t) => t == TimeSpan.Zero ? null : t.Ticks * 100;
    private List<string> Shell() => _config.Shell is { Count: > 0 } s ? s : DefaultShell;
    private static readonly List<string> DefaultShell = ["/bin/sh", "-c"];
    private static string Json(IEnumerable<string> items) => "[" + string.Join(",", items.Select(s => System.Text.Json.JsonSerializer.Serialize(s, BuildJson.Default.String))) + "]";

    private static string Normalize(string path) => "/" + Quai.Fs.InRoot.Clean(path);

    /// <summary>Looks the step up in the cache by its key; else makes the image with <paramref name="make"/>
    /// (null: a config-only image) and records it.</summary>
    private void Commit(Instruction i, string createdBy, string? contentKey, Func<string>? make = null)
    {
        var key = StepCache.Key(_image ?? "scratch:" + _platform, createdBy, contentKey ?? "", ConfigKey());
        using var making = run.Shared.LockStep(key); // a parallel stage making the same step: wait, then hit the cache
        if (!run.Request.NoCache && run.Cache.Lookup(key) is { } hit && run.Engine.Images.TryFind(hit) is { } found)
        {
            Out.WriteLine($"#  CACHED");
            _image = found.Id;
            _config = run.Engine.Images.Resolve(_image).Config.Config ?? new ContainerConfig();
            return;
        }
        _image = make is not null ? make() : Derive(new DeriveOptions { Parent = _image, Platform = _platform, Config = _config, CreatedBy = createdBy });
        run.Cache.Store(key, _image);
    }

    /// <summary>The config as it is before a step: two steps with the same text on the same parent but
    /// another config (an ENV in between does not change the parent of a config-only chain) differ.</summary>
    private string ConfigKey() => System.Text.Json.JsonSerializer.Serialize(_config, ImageJsonContext.Default.ContainerConfig);

    private string Derive(DeriveOptions o) => run.Engine.Images.Derive(o).Id;
}
