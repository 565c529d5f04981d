using System.CommandLine;
using Quai.Cli;
using Quai.Cli.Commands.Images;
using Quai.Cli.Commands.Sys;
using Quai.Cli.Commands.Containers;

// A container's init: native/nsexec.c already put this process inside its namespaces.
if (Environment.GetEnvironmentVariable(Quai.Runtime.Init.ContainerInit.InitFdVariable) is { Length: > 0 } initFd)
    return Quai.Runtime.Init.ContainerInit.Run(int.Parse(initFd));
// Keeps the C unit (and so its constructor) linked into the executable.
_ = Quai.Interop.Native.Version();
// The per-container monitor (hidden verb, no command-line parser).
if (ContainerCommands.RunHidden(args) is { } monitorExit) return monitorExit;

// Before anything writes: plain streams on fds 1 and 2, not .NET's terminal-initialising console streams.
Quai.Cli.Output.StdStreams.Install();

// Docker's `docker --version` / `-v`: one line, before the parser (System.CommandLine's own prints the bare version).
if (BuildInfo.AsksVersion(args)) { Console.Out.WriteLine(BuildInfo.VersionLine); return 0; }

// One line per command group; container commands will add theirs here (Commands/Containers/).
var cli = new CliContext(new RootCommand("quai: a daemonless container engine"));
ImageCommands.Register(cli);
Quai.Cli.Commands.Registry.TransferCommands.Register(cli);
Quai.Cli.Commands.Registry.ManifestCommand.Register(cli);
Quai.Cli.Commands.Build.BuildCommand.Register(cli);
SystemCommands.Register(cli);
ContainerCommands.Register(cli);
Quai.Cli.Commands.Networks.NetworkCommands.Register(cli);
Quai.Cli.Commands.Registry.RegistryCommands.Register(cli);
Quai.Cli.Commands.Daemon.DaemonCommand.Register(cli);
return cli.Invoke(ArgsNormalizer.Normalize(args));
