using System.CommandLine;
using Quai.Cli;
using Quai.Cli.Commands.Images;
using Quai.Cli.Commands.Sys;

// One line per command group; container commands will add theirs here (Commands/Containers/).
var cli = new CliContext(new RootCommand("quai: a daemonless container engine"));
ImageCommands.Register(cli);
SystemCommands.Register(cli);
return cli.Invoke(args);
