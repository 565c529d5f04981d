using System.CommandLine;

namespace Quai.Cli.Commands.Registry;

/// <summary><c>pull</c> and <c>push</c>, at the top level and under <c>image</c>, as docker has them.</summary>
public static class TransferCommands
{
    public static void Register(CliContext cli)
    {
        cli.Add(cli.Strict(PullCommand.Create(cli, "pull")));
        cli.Add(cli.Strict(PushCommand.Create(cli, "push")));
        if (cli.Root.Subcommands.FirstOrDefault(c => c.Name == "image") is { } image)
        {
            image.Add(cli.Strict(PullCommand.Create(cli, "pull")));
            image.Add(cli.Strict(PushCommand.Create(cli, "push")));
        }
    }
}
