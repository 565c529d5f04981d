using System.Text;

namespace Quai.Build.Syntax;

/// <summary>
/// Types one lexed instruction (BuildKit's instructions/parse.go): checks its arguments and flags
/// in BuildKit's order and with its messages, and builds the instruction record.
/// </summary>
internal static class InstructionParser
{
    private static readonly string[] InstructionNames =
    [
        "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
        "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
    ];

    /// <summary>The instruction; throws <see cref="SyntaxError"/> (without a line).</summary>
    public static Instruction Parse(RawInstruction node)
    {
        var flags = new BuilderFlags(node.Flags);
        var args = node.Args;
        int start = node.StartLine, end = node.EndLine;
        string original = node.Original.Trim();
        switch (node.Keyword.ToLowerInvariant())
        {
            case "from":
            {
                string? stageName = StageName(args);
                var platform = flags.AddString("platform");
                flags.Parse();
                return new FromInstruction { StartLine = start, EndLine = end, Original = original, Image = args[0], Platform = platform.ValueOrNull, StageName = stageName };
            }
            case "run":
            {
                var device = flags.AddStrings("device");
                var mount = flags.AddStrings("mount");
                var network = flags.AddString("network", "default");
                var security = flags.AddString("security", "sandbox");
                flags.Parse();
                var command = CommandLine(node);
                var devices = device.Values.Select(RunDevice.Parse).ToList();
                var mounts = mount.Values.Select(RunMount.ParseLiteral).ToList();
                var networkMode = network.Value switch
                {
                    "default" => RunNetwork.Default,
                    "none" => RunNetwork.None,
                    "host" => RunNetwork.Host,
                    _ => throw new SyntaxError($"invalid network mode {GoText.Quote(network.Value)}"),
                };
                var securityMode = security.Value switch
                {
                    "sandbox" => RunSecurity.Sandbox,
                    "insecure" => RunSecurity.Insecure,
                    _ => throw new SyntaxError($"security {GoText.Quote(security.Value)} is not valid"),
                };
                return new RunInstruction
                {
                    StartLine = start, EndLine = end, Original = original, Command = command, IsShellForm = !node.Json,
                    Heredocs = node.Heredocs.Select(ToHeredoc).ToList(), Mounts = mounts, Network = networkMode, Security = securityMode, Devices = devices,
                };
            }
            case "cmd":
                flags.Parse();
                return new CmdInstruction { StartLine = start, EndLine = end, Original = original, Command = CommandLine(node), IsShellForm = !node.Json };
            case "entrypoint":
                flags.Parse();
                return new EntrypointInstruction { StartLine = start, EndLine = end, Original = original, Command = CommandLine(node), IsShellForm = !node.Json };
            case "shell":
            {
                flags.Parse();
                var shell = CommandLine(node);
                if (shell.Count == 0) throw AtLeastOneArgument("SHELL");
                if (!node.Json) throw new SyntaxError("SHELL requires the arguments to be in JSON form");
                return new ShellInstruction { StartLine = start, EndLine = end, Original = original, Shell = shell };
            }
            case "env":
                flags.Parse();
                return new EnvInstruction { StartLine = start, EndLine = end, Original = original, Variables = KeyValues(node, "ENV") };
            case "label":
                flags.Parse();
                return new LabelInstruction { StartLine = start, EndLine = end, Original = original, Labels = KeyValues(node, "LABEL") };
            case "maintainer":
                if (args.Count != 1) throw ExactlyOneArgument("MAINTAINER");
                flags.Parse();
                return new MaintainerInstruction { StartLine = start, EndLine = end, Original = original, Maintainer = args[0] };
            case "add":
            {
                if (args.Count < 2) throw NoDestination("ADD");
                var chown = flags.AddString("chown");
                var chmod = flags.AddString("chmod");
                var link = flags.AddBool("link");
                var keepGitDir = flags.AddBool("keep-git-dir");
                var checksum = flags.AddString("checksum");
                var unpack = flags.AddBool("unpack");
                var exclude = flags.AddStrings("exclude");
                flags.Parse();
                var (sources, heredocs, destination) = SourcesAndDestination(node, "ADD");
                return new AddInstruction
                {
                    StartLine = start, EndLine = end, Original = original, Sources = sources, Heredocs = heredocs, Destination = destination,
                    Chown = chown.ValueOrNull, Chmod = chmod.ValueOrNull, Link = link.IsTrue, Checksum = checksum.ValueOrNull,
                    KeepGitDir = keepGitDir.Used ? keepGitDir.IsTrue : null, Unpack = unpack.Used ? unpack.IsTrue : null, Excludes = exclude.Values,
                };
            }
            case "copy":
            {
                if (args.Count < 2) throw NoDestination("COPY");
                var chown = flags.AddString("chown");
                var from = flags.AddString("from");
                var chmod = flags.AddString("chmod");
                var link = flags.AddBool("link");
                var exclude = flags.AddStrings("exclude");
                var parents = flags.AddBool("parents");
                flags.Parse();
                var (sources, heredocs, destination) = SourcesAndDestination(node, "COPY");
                return new CopyInstruction
                {
                    StartLine = start, EndLine = end, Original = original, Sources = sources, Heredocs = heredocs, Destination = destination,
                    From = from.ValueOrNull, Chown = chown.ValueOrNull, Chmod = chmod.ValueOrNull, Link = link.IsTrue, Parents = parents.IsTrue,
                    Excludes = exclude.Values,
                };
            }
            case "onbuild":
                return Onbuild(node, flags);
            case "workdir":
                if (args.Count != 1) throw ExactlyOneArgument("WORKDIR");
                flags.Parse();
                return new WorkdirInstruction { StartLine = start, EndLine = end, Original = original, Path = args[0] };
            case "healthcheck":
                return Healthcheck(node, flags);
            case "expose":
            {
                if (args.Count == 0) throw AtLeastOneArgument("EXPOSE");
                flags.Parse();
                var ports = args.ToList();
                ports.Sort(StringComparer.Ordinal);
                return new ExposeInstruction { StartLine = start, EndLine = end, Original = original, Ports = ports };
            }
            case "user":
                if (args.Count != 1) throw ExactlyOneArgument("USER");
                flags.Parse();
                return new UserInstruction { StartLine = start, EndLine = end, Original = original, User = args[0] };
            case "volume":
            {
                if (args.Count == 0) throw AtLeastOneArgument("VOLUME");
                flags.Parse();
                var volumes = new List<string>();
                foreach (var volume in args)
                {
                    string trimmed = volume.Trim();
                    if (trimmed.Length == 0) throw new SyntaxError("VOLUME specified can not be an empty string");
                    volumes.Add(trimmed);
                }
                return new VolumeInstruction { StartLine = start, EndLine = end, Original = original, Volumes = volumes };
            }
            case "stopsignal":
                // BuildKit checks no flags here
                if (args.Count != 1) throw ExactlyOneArgument("STOPSIGNAL");
                return new StopSignalInstruction { StartLine = start, EndLine = end, Original = original, Signal = args[0] };
            case "arg":
            {
                // nor here
                if (args.Count == 0) throw AtLeastOneArgument("ARG");
                var definitions = new List<ArgDefinition>();
                foreach (var arg in args)
                {
                    int eq = arg.IndexOf('=');
                    if (eq < 0)
                    {
                        definitions.Add(new ArgDefinition(arg));
                        continue;
                    }
                    if (eq == 0) throw new SyntaxError("ARG names can not be blank");
                    definitions.Add(new ArgDefinition(arg[..eq], arg[(eq + 1)..]));
                }
                return new ArgInstruction { StartLine = start, EndLine = end, Original = original, Args = definitions };
            }
            default:
                throw new SyntaxError(Suggestion.Wrap($"unknown instruction: {node.Keyword}", node.Keyword, InstructionNames, caseSensitive: false));
        }
    }

    private static string? StageName(List<string> args)
    {
        if (args.Count == 3 && args[1].Equals("as", StringComparison.OrdinalIgnoreCase))
        {
            string name = args[2].ToLowerInvariant();
            if (!IsValidStageName(name))
                throw new SyntaxError($"invalid name for build stage: {GoText.Quote(args[2])}, name can't start with a number or contain symbols");
            return name;
        }
        if (args.Count != 1) throw new SyntaxError("FROM requires either one or three arguments");
        return null;
    }

    /// <summary>^[a-z][a-z0-9-_.]*$</summary>
    private static bool IsValidStageName(string name) =>
        name.Length > 0 && name[0] is >= 'a' and <= 'z' && name.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-' or '_' or '.');

    /// <summary>Exec form: the array; shell form: the arguments joined with spaces (one string).</summary>
    private static List<string> CommandLine(RawInstruction node) =>
        node.Args.Count == 0 ? [] : node.Json ? [.. node.Args] : [string.Join(' ', node.Args)];

    private static List<KeyValue> KeyValues(RawInstruction node, string keyword)
    {
        if (node.Pairs.Count == 0) throw AtLeastOneArgument(keyword);
        var pairs = new List<KeyValue>();
        foreach (var (key, value, legacy) in node.Pairs)
        {
            if (key.Length == 0) throw new SyntaxError($"{keyword} names can not be blank");
            pairs.Add(new KeyValue(key, value, legacy));
        }
        return pairs;
    }

    private static (List<string> Sources, List<Heredoc> Heredocs, string Destination) SourcesAndDestination(RawInstruction node, string keyword)
    {
        string destination = node.Args[^1];
        if (HeredocParser.TryParse(destination) is not null) throw new SyntaxError($"{keyword} cannot accept a heredoc as a destination");
        var bodies = new Dictionary<string, RawHeredoc>();
        foreach (var heredoc in node.Heredocs) bodies[heredoc.Name] = heredoc;

        var sources = new List<string>();
        var heredocs = new List<Heredoc>();
        foreach (var source in node.Args.Take(node.Args.Count - 1))
        {
            if (HeredocParser.TryParse(source) is { } heredoc)
            {
                string content = bodies.TryGetValue(heredoc.Name, out var body) ? body.Content : "";
                if (heredoc.Chomp) content = HeredocParser.Chomp(content);
                heredocs.Add(new Heredoc(heredoc.Name, content, heredoc.Expand, heredoc.Chomp, heredoc.FileDescriptor));
            }
            else sources.Add(source);
        }
        return (sources, heredocs, destination);
    }

    private static Heredoc ToHeredoc(RawHeredoc heredoc) =>
        new(heredoc.Name, heredoc.Chomp ? HeredocParser.Chomp(heredoc.Content) : heredoc.Content, heredoc.Expand, heredoc.Chomp, heredoc.FileDescriptor);

    private static OnbuildInstruction Onbuild(RawInstruction node, BuilderFlags flags)
    {
        if (node.Trigger is null) throw AtLeastOneArgument("ONBUILD");
        flags.Parse();
        string trigger = node.Trigger.Keyword.Trim().ToUpperInvariant();
        switch (trigger)
        {
            case "ONBUILD": throw new SyntaxError("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
            case "MAINTAINER" or "FROM": throw new SyntaxError($"{trigger} isn't allowed as an ONBUILD trigger");
        }

        var expression = new StringBuilder(StripOnbuild(node.Original));
        foreach (var heredoc in node.Heredocs) expression.Append('\n').Append(heredoc.Content).Append(heredoc.Name);
        return new OnbuildInstruction
        {
            StartLine = node.StartLine, EndLine = node.EndLine, Original = node.Original.Trim(),
            Trigger = Parse(node.Trigger), Expression = expression.ToString(),
        };
    }

    /// <summary>(?i)^\s*ONBUILD\s* removed.</summary>
    private static string StripOnbuild(string line)
    {
        int i = 0;
        while (i < line.Length && line[i] is '\t' or '\n' or '\f' or '\r' or ' ') i++;
        if (!line.AsSpan(i).StartsWith("ONBUILD", StringComparison.OrdinalIgnoreCase)) return line;
        i += "ONBUILD".Length;
        while (i < line.Length && line[i] is '\t' or '\n' or '\f' or '\r' or ' ') i++;
        return line[i..];
    }

    private static HealthcheckInstruction Healthcheck(RawInstruction node, BuilderFlags flags)
    {
        var args = node.Args;
        if (args.Count == 0) throw AtLeastOneArgument("HEALTHCHECK");
        string type = args[0].ToUpperInvariant();
        int start = node.StartLine, end = node.EndLine;
        string original = node.Original.Trim();
        if (type == "NONE")
        {
            // BuildKit does not look at the flags of HEALTHCHECK NONE
            if (args.Count != 1) throw new SyntaxError("HEALTHCHECK NONE takes no arguments");
            return new HealthcheckInstruction { StartLine = start, EndLine = end, Original = original, Test = ["NONE"] };
        }

        var interval = flags.AddString("interval");
        var timeout = flags.AddString("timeout");
        var startPeriod = flags.AddString("start-period");
        var startInterval = flags.AddString("start-interval");
        var retries = flags.AddString("retries");
        flags.Parse();

        if (type != "CMD") throw new SyntaxError($"Unknown type {GoText.Quote(type)} in HEALTHCHECK (try CMD)");
        List<string> command = args.Count == 1 ? [] : node.Json ? args.Skip(1).ToList() : [string.Join(' ', args.Skip(1))];
        if (command.Count == 0) throw new SyntaxError("Missing command after HEALTHCHECK CMD");
        List<string> test = [node.Json ? "CMD" : "CMD-SHELL", .. command];

        var result = new HealthcheckInstruction
        {
            StartLine = start, EndLine = end, Original = original, Test = test,
            Interval = Interval(interval), Timeout = Interval(timeout), StartPeriod = Interval(startPeriod), StartInterval = Interval(startInterval),
        };
        if (retries.Value.Length == 0) return result;
        int count = GoText.ParseInt32(retries.Value);
        if (count < 0) throw new SyntaxError($"--retries cannot be negative ({count})");
        return result with { Retries = count };
    }

    /// <summary>A duration flag: zero when empty or zero; at least 1ms otherwise.</summary>
    private static TimeSpan Interval(BuilderFlags.Flag flag)
    {
        if (flag.Value.Length == 0) return TimeSpan.Zero;
        long nanoseconds = GoDuration.ParseNanoseconds(flag.Value);
        if (nanoseconds == 0) return TimeSpan.Zero;
        if (nanoseconds < 1_000_000) throw new SyntaxError($"Interval {GoText.Quote(flag.Name)} cannot be less than 1ms");
        return TimeSpan.FromTicks(nanoseconds / 100);
    }

    private static SyntaxError AtLeastOneArgument(string keyword) => new($"{keyword} requires at least one argument");

    private static SyntaxError ExactlyOneArgument(string keyword) => new($"{keyword} requires exactly one argument");

    private static SyntaxError NoDestination(string keyword) =>
        new($"{keyword} requires at least two arguments, but only one was provided. Destination could not be determined");
}
