using System.CommandLine;

namespace Quai.Cli.Commands.Images;

/// <summary>The <c>image</c> command group and Docker's top-level shortcuts (images, rmi, tag, save, …).</summary>
public static class ImageCommands
{
    public static void Register(CliContext cli)
    {
        var image = new Command("image", "Manage images");
        image.Add(ListCommand.Create(cli, "ls", "list"));
        image.Add(InspectCommand.Create(cli, "inspect"));
        image.Add(TagCommand.Create(cli, "tag"));
        image.Add(RemoveCommand.Create(cli, "rm", "remove"));
        image.Add(HistoryCommand.Create(cli, "history"));
        image.Add(SaveCommand.Create(cli, "save"));
        image.Add(LoadCommand.Create(cli, "load"));
        image.Add(ImportCommand.Create(cli, "import"));
        image.Add(PruneCommand.Create(cli, "prune"));
        cli.Add(image);

        cli.Add(ListCommand.Create(cli, "images"));
        cli.Add(TagCommand.Create(cli, "tag"));
        cli.Add(RemoveCommand.Create(cli, "rmi"));
        cli.Add(HistoryCommand.Create(cli, "history"));
        cli.Add(SaveCommand.Create(cli, "save"));
        cli.Add(LoadCommand.Create(cli, "load"));
        cli.Add(ImportCommand.Create(cli, "import"));
    }
}
