using Quai.Build.Syntax;
using Quai.Images;
using Quai.Oci.Image;
using Quai.Engine.Containers;

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
    private TextWriter Out => run.Progress.Writer(_step);
    private ProgressStep? _step;      // the step being reported
    private int _index, _total;       // its [stage i/n]
    private string? StageName => (run.PlatformLabel + (stage.Name ?? (run.File.Stages.Count > 1 ? $"stage-{stage.Index}" : ""))).Trim() is { Length: > 0 } n ? n : null;

    public string Run(ref int step, int steps)
    {
        ++step;
        _total = 1 + stage.Instructions.Count;
        _step = run.Progress.Start(StageName, ++_index, _total, $"FROM {from}");
        From();
        var triggers = OnBuildTriggers();
        _total += triggers.Count;
        run.Progress.Done(_step);
        foreach (var trigger in triggers) Execute(trigger, ref step, steps, "ONBUILD ");
        foreach (var i in stage.Instructions) Execute(i, ref step, steps, "");
        return _image ?? Derive(new DeriveOptions { Platform = _platform, Config = _config, CreatedBy = "FROM scratch" });
    }

    private void Execute(Instruction i, ref int step, int steps, string prefix)
    {
        run.Shared.ThrowIfCancelled(); // another stage failed
        ++step;
        _step = run.Progress.Start(StageName, ++_index, _total, prefix + i.Original);
        try { Step(i); }
        catch (BuildException) { throw; }
        catch (Quai.Interop.ErrnoException e) { throw new BuildException($"{Where(i)}: {i.Keyword}: {e.Message}", 1, e); }
        catch (Exception e) when (e is IOException or ArgumentException or FormatException or InvalidOperationException or UnauthorizedAccessException
                                   or ImageNotFoundException or Quai.Engine.Containers.NotFoundException or Quai.Engine.Containers.ConflictException
                                   or Quai.Engine.Containers.EngineUsageException or Quai.Engine.Containers.ContainerStartException)
        {
            throw new BuildException($"{Where(i)}: {i.Keyword}: {e.Message}", 1, e);
        }
        finally { EndStep(); }
        run.Progress.Done(_step);
    }

    private void From()
    {
        var platform = StagePlatform();
        if (from.Equals("scratch", StringComparison.OrdinalIgnoreCase)) { _platform = platform; return; }
        if (StageGraph.Find(run.File, from) is { } s && s.Index < stage.Index) _image = run.Built[s.Index];
        else _image = BaseImage(from, platform).Id;
        _config = run.Engine.Images.Resolve(_image).Config.Config ?? new ContainerConfig();
    }

    /// <summary>FROM an image: the store's, pulled first with --pull or when the store lacks it.</summary>
    private Quai.Images.Metadata.ImageRecord BaseImage(string from, Quai.Oci.Image.Platform platform)
    {
        var pull = run.Request.PullBase;
        if (pull is not null && run.Request.AlwaysPull) Pull(from, platform);
        Quai.Images.Metadata.ImageRecord found;
        try { found = run.Engine.Images.Find(from); }
        catch (ImageNotFoundException) when (pull is not null && !run.Request.AlwaysPull)
        {
            Pull(from, platform);
            found = run.Engine.Images.Find(from);
        }
        catch (ImageNotFoundException)
        {
            throw new BuildException($"{Where(stage.From)}: FROM {from}: image not found locally: load, import or pull {from}");
        }
        return run.Engine.Images.ForPlatform(found, platform) ?? throw NoPlatform(found, platform);
    }

    private void Pull(string from, Quai.Oci.Image.Platform platform)
    {
        try { run.Request.PullBase!(run.Engine.Images, from, platform); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new BuildException($"{Where(stage.From)}: FROM {from}: failed to resolve source metadata for {from}: {e.Message}");
        }
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
            case CopyInstruction c: CopyStep(c); return;
            case AddInstruction a: AddStep(a); return;
            case WorkdirInstruction w: WorkdirStep(w); return;
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
                _config.Labels = Sorted(_config.Labels);
                return "LABEL " + string.Join(' ', labels.Select(l => $"{l.Key}={l.Value}"));
            case MaintainerInstruction m:
                _author = m.Maintainer;
                return "MAINTAINER " + m.Maintainer;
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
                var ports = x.Ports.SelectMany(ExpandWords).SelectMany(p => PortSpecs(x, p)).ToList();
                foreach (var p in ports) _config.ExposedPorts[p] = new EmptyObject();
                _config.ExposedPorts = Sorted(_config.ExposedPorts);
                return "EXPOSE " + string.Join(' ', ports);
            case VolumeInstruction v:
                _config.Volumes ??= [];
                var vols = v.Volumes.Select(Expand).ToList();
                if (vols.Any(p => p.Length == 0)) throw new BuildException($"{Where(v)}: VOLUME specified can not be an empty string");
                foreach (var p in vols) _config.Volumes[p] = new EmptyObject();
                _config.Volumes = Sorted(_config.Volumes);
                return "VOLUME " + Json(vols);
            case StopSignalInstruction s:
                _config.StopSignal = Expand(s.Signal);
                if (!Quai.Interop.Sig.TryParse(_config.StopSignal, out _)) throw new BuildException($"{Where(s)}: Invalid signal: {_config.StopSignal}");
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

    /// <summary>COPY/ADD &lt;&lt;NAME: a file NAME under a directory destination (else the destination itself), its
    /// body expanded as BuildKit expands it (variables only, quotes left as they are) unless the delimiter
    /// was quoted.</summary>
    private void AddHeredocFiles(CopyLayer layer, List<string> keys, IReadOnlyList<Heredoc> heredocs, string absDest, bool destIsDir)
    {
        foreach (var doc in heredocs)
        {
            var content = doc.Expand ? HeredocExpander.ProcessWord(doc.Content, Lookup) : doc.Content;
            layer.AddContent(System.Text.Encoding.UTF8.GetBytes(content), absDest, doc.Name, destIsDir ? Placement.Into : Placement.IntoIfDirectory);
            keys.Add("heredoc:" + doc.Name + "\0" + content);
        }
    }

    private static readonly ShellWordExpander HeredocExpander = new('\\') { SkipProcessQuotes = true };

    /// <summary>Maps in key order, as Docker's (Go's) JSON writes them: the same config, the same bytes.</summary>
    private static Dictionary<string, T> Sorted<T>(Dictionary<string, T> map) => map.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary();
    private string? _author;   // MAINTAINER: the image's author from there on
    private string? _keyExtra; // what the current step reads that its history text does not show (a heredoc script)
    private string? _pipes;    // the host directory of the current step's heredoc script, bound at /dev/pipes

    /// <summary>What every container a step makes shares: the builder's pid and start time (so a build that
    /// dies leaves nothing the next one does not sweep), no anonymous volumes for the image's VOLUMEs (a
    /// RUN writes them into its layer, as BuildKit does; COPY --from reads the image's files), no health
    /// check, the proxy build args as environment, and the heredoc script of a <c>RUN &lt;&lt;EOF</c> that starts with #!.</summary>
    private RunOptions StepOptions(RunOptions o)
    {
        StepContainerSweep.Mark(o);
        // BuildKit gives RUN the proxy build args even when the stage does not declare them, never into history
        foreach (var name in BuildRun.ProxyArgs)
            if (run.GlobalArgs.TryGetValue(name, out var proxy) && !_args.ContainsKey(name) && !o.Env.Any(e => e.StartsWith(name + "=", StringComparison.Ordinal)))
                o.Env.Add($"{name}={proxy}");
        if (_pipes is { } p) o.Volumes.Add($"{p}:/dev/pipes:ro");
        return o;
    }

    private void EndStep()
    {
        _keyExtra = null;
        if (_pipes is { } p)
        {
            _pipes = null;
            try { Directory.Delete(p, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>BuildKit runs a heredoc that starts with #! as a file: /dev/pipes/NAME, mode 0755, mounted
    /// read-only for the step. Its content is in the step's cache key.</summary>
    private string HeredocScript(Heredoc doc)
    {
        var name = doc.Name is { Length: > 0 } n && !n.Contains('/') && n is not ("." or "..") ? n : "script";
        var dir = Path.Combine(StepContainerSweep.PipesDir(run.Engine), Guid.NewGuid().ToString("N"));
        const UnixFileMode rwxr_xr_x = (UnixFileMode)0x1ED;
        Directory.CreateDirectory(Path.GetDirectoryName(dir)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.CreateDirectory(dir, rwxr_xr_x);
        using (var f = new FileStream(Path.Combine(dir, name), new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = rwxr_xr_x }))
            f.Write(System.Text.Encoding.UTF8.GetBytes(doc.Content));
        _pipes = dir;
        _keyExtra = "heredoc-script:" + name + "\0" + doc.Content;
        return "/dev/pipes/" + name;
    }

    /// <summary>WORKDIR sets the working directory and, as BuildKit does, creates the directories of it that
    /// are missing (mode 0755, owned by the stage's USER) in a layer; nothing missing: a config-only image.</summary>
    private void WorkdirStep(WorkdirInstruction w)
    {
        var dir = Expand(w.Path);
        _config.WorkingDir = dir.StartsWith('/') ? Normalize(dir) : Normalize((_config.WorkingDir is { Length: > 0 } cur ? cur : "/") + "/" + dir);
        var createdBy = "WORKDIR " + _config.WorkingDir;
        if (_config.WorkingDir == "/") { Commit(w, createdBy, null); return; }
        Commit(w, createdBy, "mkdir", () => MakeWorkdir(w, createdBy));
    }

    private string MakeWorkdir(WorkdirInstruction w, string createdBy)
    {
        var parts = _config.WorkingDir!.Trim('/').Split('/');
        var missing = new List<string>();
        Quai.Engine.Specs.ResolvedUser user;
        if (_image is null)
        {
            user = Quai.Engine.Specs.UserResolver.Resolve(_config.User, null, null);
            for (int k = 1; k <= parts.Length; k++) missing.Add(string.Join('/', parts[..k]));
        }
        else
        {
            var c = run.Engine.Create(StepOptions(new RunOptions { Image = _image, Cmd = ["workdir"], Entrypoint = "" }));
            try
            {
                using var root = Quai.Engine.Files.ContainerRoot.OpenRootfs(run.Engine, c);
                using var inRoot = new Quai.Fs.InRoot(root.Fd, root.Where);
                var (passwd, group) = string.IsNullOrEmpty(_config.User) ? (null, null) : Quai.Engine.Specs.UserFiles.Read(inRoot);
                user = Quai.Engine.Specs.UserResolver.Resolve(_config.User, passwd, group);
                for (int k = 1; k <= parts.Length; k++)
                {
                    var path = string.Join('/', parts[..k]);
                    var fd = inRoot.TryOpen(path, Quai.Interop.O.PATH | Quai.Interop.O.DIRECTORY, noSymlinks: true);
                    if (fd >= 0) { Quai.Interop.Libc.Close(fd); continue; }
                    if (fd == -Quai.Interop.Errno.ENOENT) { for (; k <= parts.Length; k++) missing.Add(string.Join('/', parts[..k])); break; }
                    // through a symlink: the directory is left to the runtime, which makes it when a RUN starts there
                    if (fd == -Quai.Interop.Errno.ELOOP) break;
                    if (fd == -Quai.Interop.Errno.ENOTDIR) throw new BuildException($"{Where(w)}: WORKDIR {_config.WorkingDir}: mkdir /{path}: not a directory");
                    throw new Quai.Interop.ErrnoException($"open /{path} in the image", -fd);
                }
            }
            finally { try { run.Engine.Remove(c.Id, force: true, volumes: true); } catch (Exception) { /* the next build's sweep */ } }
        }
        var now = DateTimeOffset.UtcNow;
        return Derive(new DeriveOptions
        {
            Parent = _image, Platform = _platform, Config = _config, CreatedBy = createdBy, Author = _author,
            WriteLayer = missing.Count == 0 ? null : output =>
            {
                using var tar = new System.Formats.Tar.TarWriter(output, System.Formats.Tar.TarEntryFormat.Pax, leaveOpen: true);
                foreach (var d in missing)
                    tar.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.Directory, d + "/")
                    { Mode = (UnixFileMode)0x1ED, Uid = (int)user.Uid, Gid = (int)user.Gid, ModificationTime = now });
            },
        });
    }

    /// <summary>An EXPOSE word as Docker's nat.ParsePortSpecs reads it: [ip:[hostPort]:]port[-end][/proto],
    /// a range giving one port each, the protocol tcp, udp or sctp (tcp when none).</summary>
    private IEnumerable<string> PortSpecs(Instruction i, string spec)
    {
        var slash = spec.LastIndexOf('/');
        var proto = slash < 0 ? "tcp" : spec[(slash + 1)..].ToLowerInvariant();
        var port = slash < 0 ? spec : spec[..slash];
        if (proto is not ("tcp" or "udp" or "sctp")) throw new BuildException($"{Where(i)}: invalid proto: {proto}");
        port = port[(port.LastIndexOf(':') + 1)..];
        var dash = port.IndexOf('-');
        string startText = dash < 0 ? port : port[..dash], endText = dash < 0 ? port : port[(dash + 1)..];
        if (!ushort.TryParse(startText, out var start) || !ushort.TryParse(endText, out var end))
            throw new BuildException($"{Where(i)}: invalid containerPort: {port}");
        if (end < start) throw new BuildException($"{Where(i)}: invalid range specified for container port: {port}");
        for (int p = start; p <= end; p++) yield return $"{p}/{proto}";
    }

    private static long? Nanos(TimeSpan t) => t == TimeSpan.Zero ? null : t.Ticks * 100;
    private List<string> Shell() => _config.Shell is { Count: > 0 } s ? s : DefaultShell;
    private static readonly List<string> DefaultShell = ["/bin/sh", "-c"];
    private static string Json(IEnumerable<string> items) => "[" + string.Join(",", items.Select(s => System.Text.Json.JsonSerializer.Serialize(s, BuildJson.Default.String))) + "]";

    private static string Normalize(string path) => "/" + Quai.Fs.InRoot.Clean(path);

    /// <summary>Looks the step up in the cache by its key; else makes the image with <paramref name="make"/>
    /// (null: a config-only image) and records it.</summary>
    private void Commit(Instruction i, string createdBy, string? contentKey, Func<string>? make = null)
    {
        var key = _keyExtra is null ? StepCache.Key(_image ?? "scratch:" + _platform, createdBy, contentKey ?? "", ConfigKey())
            : StepCache.Key(_image ?? "scratch:" + _platform, createdBy, contentKey ?? "", ConfigKey(), _keyExtra);
        using var making = run.Shared.LockStep(key); // a parallel stage making the same step: wait, then hit the cache
        if (!NoCache && run.Cache.Lookup(key) is { } hit && run.Engine.Images.TryFind(hit) is { } found)
        {
            run.Progress.Cached(_step!);
            _image = found.Id;
            _config = run.Engine.Images.Resolve(_image).Config.Config ?? new ContainerConfig();
            return;
        }
        _image = make is not null ? make() : Derive(new DeriveOptions { Parent = _image, Platform = _platform, Config = _config, CreatedBy = createdBy, Author = _author });
        run.Cache.Store(key, _image);
    }

    /// <summary>The config as it is before a step: two steps with the same text on the same parent but
    /// another config (an ENV in between does not change the parent of a config-only chain) differ.</summary>
    private string ConfigKey() => System.Text.Json.JsonSerializer.Serialize(_config, ImageJsonContext.Default.ContainerConfig);

    private string Derive(DeriveOptions o) => run.Engine.Images.Derive(o).Id;

    /// <summary>--no-cache, or --no-cache-filter naming this stage.</summary>
    private bool NoCache => run.Request.NoCache
        || run.Request.NoCacheFilter.Any(f => string.Equals(f, stage.Name, StringComparison.OrdinalIgnoreCase) || f == stage.Index.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
