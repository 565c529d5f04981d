using System.CommandLine;
using Quai.Runtime.Cli;
using Quai.Runtime.Cli.Commands;
using Quai.Runtime.Init;

// A container's init: native/nsexec.c already put this process inside its namespaces.
if (Environment.GetEnvironmentVariable(ContainerInit.InitFdVariable) is { Length: > 0 } fd)
    return ContainerInit.Run(int.Parse(fd));

// Keeps the C unit (and so its constructor) linked into the executable.
_ = Quai.Interop.Native.Version();

// A closed fd 0-2 would be reused by the next file we open and handed to the container as its
// stdio: point any closed one at /dev/null first.
for (var stdFd = 0; stdFd < 3; stdFd++)
    if (Quai.Interop.Libc.Fcntl(stdFd, 1 /* F_GETFD */, 0) < 0)
        Quai.Interop.Libc.Open("/dev/null", Quai.Interop.O.RDWR, 0);

var root = new RootCommand("quai-runtime: an OCI container runtime compatible with runc's command line");
Globals.AddTo(root);
root.Subcommands.Add(CreateCommand.Build());
root.Subcommands.Add(StartCommand.Build());
root.Subcommands.Add(RunCommand.Build());
root.Subcommands.Add(StateCommand.Build());
root.Subcommands.Add(ListCommand.Build());
root.Subcommands.Add(KillCommand.Build());
root.Subcommands.Add(DeleteCommand.Build());
root.Subcommands.Add(ExecCommand.Build());
root.Subcommands.Add(PsCommand.Build());
root.Subcommands.Add(PauseCommand.Build());
root.Subcommands.Add(ResumeCommand.Build());
root.Subcommands.Add(UpdateCommand.Build());
root.Subcommands.Add(EventsCommand.Build());
root.Subcommands.Add(SpecCommand.Build());
root.Subcommands.Add(FeaturesCommand.Build());
root.Subcommands.Add(UnsupportedCommand.Build("checkpoint", "checkpoint a running container (not supported: no CRIU)"));
root.Subcommands.Add(UnsupportedCommand.Build("restore", "restore a container from a checkpoint (not supported: no CRIU)"));
root.Subcommands.Add(new Command("init", "internal: the container's init (started by quai-runtime itself)") { Hidden = true });

var parse = root.Parse(Globals.Normalize(args));
if (parse.Errors.Count > 0)
{
    foreach (var e in parse.Errors) Console.Error.WriteLine($"quai-runtime: {e.Message}");
    return 1;
}
return parse.Invoke();
