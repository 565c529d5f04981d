using Quai.Runtime;
using System.CommandLine;
using Quai.Engine;
using Quai.Engine.Containers;
using Quai.Images;
using Quai.Runtime.Containers;

namespace Quai.Cli.Commands.Containers;

/// <summary>Opens the container engine on the store root (--root / QUAI_ROOT) and maps its errors to
/// Docker's messages and exit codes: "Error response from daemon: …" with 1 for missing objects and
/// conflicts, 125 for bad input and engine failures, 126/127 when the command cannot run.</summary>
public static class EngineCli
{
    public static ContainerEngine Open(CliContext cli, ParseResult p)
    {
        EnsureStdio();
        var options = new ImageStoreOptions();
        if (p.GetValue(cli.RootDir) is { Length: > 0 } root) options.Root = root;
        if (p.GetValue(cli.StorageDriver) is { Length: > 0 } driver) options.Snapshotter = driver;
        ContainerEngine.MonitorExecutable = Environment.ProcessPath ?? "/proc/self/exe";
        return new ContainerEngine(options);
    }

    /// <summary>A closed fd 0-2 would be reused by the next open (a socket, the pty…) and then
    /// handed to a container process as its stdio: point them at /dev/null first.</summary>
    private static void EnsureStdio()
    {
        for (var fd = 0; fd < 3; fd++)
            if (Quai.Interop.Libc.Fcntl(fd, 1 /* F_GETFD */, 0) < 0)
            {
                var n = Quai.Interop.Libc.Open("/dev/null", Quai.Interop.O.RDWR, 0);
                if (n >= 0 && n != fd) { Quai.Interop.Libc.Dup2(n, fd); Quai.Interop.Libc.Close(n); }
            }
    }

    public static int Run(CliContext cli, ParseResult p, Func<ContainerEngine, int> body)
    {
        try
        {
            using var engine = Open(cli, p);
            return body(engine);
        }
        catch (Exception e) { return Fail(cli, e); }
    }

    public static int Fail(CliContext cli, Exception e) => e switch
    {
        Output.TemplateOutputException t => Plain(cli, t.Message, t.ExitCode),
        NotFoundException or ConflictException or InvalidParameterException => Daemon(cli, e.Message, 1),
        ImageNotFoundException => Daemon(cli, e.Message, 1),
        Quai.Network.Networks.NetworkNotFoundException or Quai.Network.Networks.NetworkConflictException or Quai.Network.Networks.NetworkUsageException => Daemon(cli, e.Message, 1),
        EngineUsageException or UsageException or FormatException => cli.Fail(e.Message, CliContext.ExitUsage),
        ContainerStartException s => Daemon(cli, s.Message, s.ExitCode),
        RuntimeException => Daemon(cli, e.Message, 125),
        _ => Daemon(cli, e.Message, 125),
    };

    public static int Plain(CliContext cli, string message, int code)
    {
        cli.Err.WriteLine(message);
        return code;
    }

    public static int Daemon(CliContext cli, string message, int code)
    {
        cli.Err.WriteLine($"Error response from daemon: {message}");
        return code;
    }

    /// <summary>Runs <paramref name="each"/> for every argument like Docker's multi-target verbs
    /// (stop, rm, kill…): errors are printed per target, the exit code is 1 if any failed.</summary>
    public static int ForEach(CliContext cli, ParseResult p, IEnumerable<string> targets, Action<ContainerEngine, string> each,
                              Func<Exception, bool>? tolerated = null)
    {
        return Run(cli, p, engine =>
        {
            var rc = 0;
            foreach (var t in targets)
            {
                try
                {
                    each(engine, t);
                    cli.Out.WriteLine(t);
                }
                catch (Exception e) when (tolerated?.Invoke(e) == true)
                {
                    Fail(cli, e); // reported on stderr, not echoed, exit status unchanged (docker rm -f nosuch)
                }
                catch (Exception e)
                {
                    var code = Fail(cli, e);
                    rc = code == CliContext.ExitUsage ? code : Math.Max(rc, 1);
                }
            }
            return rc;
        });
    }
}
