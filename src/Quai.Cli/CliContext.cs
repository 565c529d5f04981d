using Quai.Fs;
using System.CommandLine;
using Quai.Images;
using Quai.Images.Layers;

namespace Quai.Cli;

/// <summary>The root command, the global options every command sees, and the one place where exceptions
/// become Docker-style messages and exit codes: 1 for "No such image" and conflicts (what the Docker CLI
/// returns for daemon errors), 125 for usage errors and failures of the engine itself.</summary>
public sealed class CliContext
{
    public const int ExitUsage = 125, ExitEngine = 125, ExitError = 1;

    public RootCommand Root { get; }

    public Option<string?> RootDir { get; } = new("--root")
    {
        Description = $"Root of the image store (default ${ImageStoreOptions.RootEnvironmentVariable} or {ImageStoreOptions.DefaultRoot})",
        Recursive = true,
    };

    public Option<string?> StorageDriver { get; } = new("--storage-driver")
    {
        Description = "Snapshotter for a new store: overlayfs or native (default: overlayfs when it works)",
        Recursive = true,
    };

    public CliContext(RootCommand root)
    {
        Root = root;
        root.Add(RootDir);
        root.Add(StorageDriver);
    }

    public TextWriter Out { get; set; } = Console.Out;
    public TextWriter Err { get; set; } = Console.Error;

    private readonly HashSet<Command> _strict = [];

    /// <summary>Marks a command whose positional arguments never start with '-': a dash-prefixed token there is
    /// an unknown flag, reported as a usage error (exit 125) as Docker does.</summary>
    public Command Strict(Command command)
    {
        _strict.Add(command);
        return command;
    }

    /// <summary>Adds <paramref name="command"/> to the root and returns it.</summary>
    public Command Add(Command command)
    {
        Root.Add(command);
        return command;
    }

    public int Invoke(string[] args)
    {
        if (UnsupportedCommands.Check(Root, args, Err) is { } unsupported) return unsupported;
        var result = Root.Parse(args);
        var errors = result.Errors.Select(e => e.Message).ToList();
        // An unknown "--flag" would otherwise be taken as a positional argument (Docker: "unknown flag").
        // Only for commands whose arguments are never dash-prefixed (not `run IMAGE sh -c …`).
        // A negative number right after its option is that option's value (`--tail -1`, joined by ArgsNormalizer).
        System.CommandLine.Parsing.Token? previous = null;
        foreach (var token in _strict.Contains(result.CommandResult.Command) ? result.Tokens : [])
        {
            if (token.Type == System.CommandLine.Parsing.TokenType.DoubleDash) break;
            if (token.Type == System.CommandLine.Parsing.TokenType.Argument && token.Value.Length > 1 && token.Value[0] == '-'
                && previous?.Type != System.CommandLine.Parsing.TokenType.Option)
                errors.Add($"unknown flag: {token.Value}");
            previous = token;
        }
        if (errors.Count > 0 && result.Action is not System.CommandLine.Help.HelpAction)
        {
            foreach (var e in errors) Err.WriteLine($"Error: {e}");
            Err.WriteLine($"See 'quai {string.Join(' ', CommandPath(result))} --help'.");
            return ExitUsage;
        }
        return result.Invoke();
    }

    private static IEnumerable<string> CommandPath(ParseResult r)
    {
        var names = new List<string>();
        for (var c = r.CommandResult; c is not null; c = c.Parent as System.CommandLine.Parsing.CommandResult)
            if (c.Command is not RootCommand) names.Insert(0, c.Command.Name);
        return names;
    }

    /// <summary>Opens the store named by --root / QUAI_ROOT and runs <paramref name="body"/>, mapping errors.</summary>
    public int Run(ParseResult parse, Func<ImageStore, int> body)
    {
        try
        {
            var options = new ImageStoreOptions();
            if (parse.GetValue(RootDir) is { Length: > 0 } root) options.Root = root;
            if (parse.GetValue(StorageDriver) is { Length: > 0 } driver) options.Snapshotter = driver;
            using var store = ImageStore.Open(options);
            return body(store);
        }
        catch (ImageNotFoundException e) { return Fail(e.Message, ExitError); }
        catch (Output.TemplateOutputException e) { Err.WriteLine(e.Message); return e.ExitCode; }
        catch (ImageConflictException e) { return Fail(e.Message, ExitError); }
        catch (UsageException e) { return Fail(e.Message, ExitUsage); }
        catch (Quai.Registry.Client.RegistryException e) { return Fail(e.Message, ExitError); }
        catch (FormatException e) { return Fail(e.Message, ExitUsage); }
        catch (TarFormatException e) { return Fail(e.Message, ExitError); }
        catch (InvalidDataException e) { return Fail(e.Message, ExitError); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or KeyNotFoundException or ArgumentException)
        {
            return Fail(e.Message, ExitEngine);
        }
    }

    public int Fail(string message, int code)
    {
        Err.WriteLine($"Error: {message}");
        return code;
    }
}

/// <summary>A user error detected by a command (bad flag combination, missing argument).</summary>
public sealed class UsageException(string message) : Exception(message);
