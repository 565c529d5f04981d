using System.CommandLine;

namespace Quai.Cli.Commands.Images;

/// <summary>The <c>image</c> command group and Docker's top-level shortcuts (images, rmi, tag, save, …).</summary>
public static class ImageCommands
{
    public static void Register(CliContext cli)
    {
        var image = new Command("image", "Manage images");
        image.Add(cli.Strict(ListCommand.Create(cli, "ls", "list")));
        image.Add(cli.Strict(InspectCommand.Create(cli, "inspect")));
        image.Add(cli.Strict(TagCommand.Create(cli, "tag")));
        image.Add(cli.Strict(RemoveCommand.Create(cli, "rm", "remove")));
        image.Add(cli.Strict(HistoryCommand.Create(cli, "history")));
        image.Add(cli.Strict(SaveCommand.Create(cli, "save")));
        image.Add(cli.Strict(LoadCommand.Create(cli, "load")));
        image.Add(ImportCommand.Create(cli, "import")); // "-" is stdin
        image.Add(cli.Strict(PruneCommand.Create(cli, "prune")));
        cli.Add(image);

        cli.Add(cli.Strict(ListCommand.Create(cli, "images")));
        cli.Add(cli.Strict(TagCommand.Create(cli, "tag")));
        cli.Add(cli.Strict(RemoveCommand.Create(cli, "rmi")));
        cli.Add(cli.Strict(HistoryCommand.Create(cli, "history")));
        cli.Add(cli.Strict(SaveCommand.Create(cli, "save")));
        cli.Add(cli.Strict(LoadCommand.Create(cli, "load")));
        cli.Add(ImportCommand.Create(cli, "import"));
    }
}
