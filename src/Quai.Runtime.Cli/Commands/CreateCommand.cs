using System.CommandLine;
using Quai.Runtime.Containers;

namespace Quai.Runtime.Cli.Commands;

/// <summary>`create`: sets a container up; its process waits for `start`.</summary>
public static class CreateCommand
{
    public static readonly Argument<string> Id = new("container-id") { Description = "the container's unique name" };

    public sealed class Flags
    {
        public readonly Option<string> Bundle = new("--bundle", "-b") { Description = "path to the root of the bundle directory", DefaultValueFactory = _ => "." };
        public readonly Option<string?> ConsoleSocket = new("--console-socket") { Description = "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal" };
        public readonly Option<string?> PidFile = new("--pid-file") { Description = "specify the file to write the process id to" };
        public readonly Option<bool> NoPivot = new("--no-pivot") { Description = "do not use pivot root to jail process inside rootfs" };
        public readonly Option<bool> NoNewKeyring = new("--no-new-keyring") { Description = "do not create a new session keyring for the container" };
        public readonly Option<int> PreserveFds = new("--preserve-fds") { Description = "pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)" };

        public void AddTo(Command c)
        {
            foreach (var o in new Option[] { Bundle, ConsoleSocket, PidFile, NoPivot, NoNewKeyring, PreserveFds }) c.Options.Add(o);
        }

        public ContainerRuntime.CreateOptions Read(ParseResult p, int consoleFd = -1, Oci.Runtime.Spec? spec = null) => new()
        {
            Spec = spec,
            Bundle = p.GetValue(Bundle)!, ConsoleSocket = p.GetValue(ConsoleSocket), PidFile = p.GetValue(PidFile),
            NoPivot = p.GetValue(NoPivot), PreserveFds = p.GetValue(PreserveFds) + ListenFds(), ConsoleSocketFd = consoleFd,
        };

        private static int ListenFds() =>
            int.TryParse(Environment.GetEnvironmentVariable("LISTEN_FDS"), out var n) && n > 0 ? n : 0;
    }

    public static Command Build()
    {
        var cmd = new Command("create", "create a container");
        var flags = new Flags();
        flags.AddTo(cmd);
        cmd.Arguments.Add(Id);
        cmd.SetAction(p => Globals.Run(p, () =>
        {
            Globals.Runtime(p).Create(p.GetValue(Id)!, flags.Read(p));
            return 0;
        }));
        return cmd;
    }
}
