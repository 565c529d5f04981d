using System.CommandLine;
using Quai.Images;
using Quai.Oci.Image;

namespace Quai.Cli.Commands.Containers;

/// <summary>`commit`: Docker's flags over <see cref="Quai.Engine.ContainerEngine.Commit"/>; prints the new image's ID.</summary>
public static class CommitCommand
{
    public static Command Create(CliContext cli)
    {
        var author = new Option<string?>("--author", "-a") { Description = "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")" };
        var change = new Option<string[]>("--change", "-c") { Description = "Apply Dockerfile instruction to the created image", AllowMultipleArgumentsPerToken = false };
        var message = new Option<string?>("--message", "-m") { Description = "Commit message" };
        var pause = new Option<bool>("--pause", "-p") { Description = "Pause container during commit", DefaultValueFactory = _ => true };
        var target = new Argument<string>("CONTAINER");
        var repo = new Argument<string?>("REPOSITORY[:TAG]") { Arity = ArgumentArity.ZeroOrOne };
        var cmd = new Command("commit", "Create a new image from a container's changes") { author, change, message, pause, target, repo };
        cmd.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            var options = new CommitOptions
            {
                Author = p.GetValue(author), Message = p.GetValue(message), Changes = p.GetValue(change) ?? [],
                Tag = p.GetValue(repo) is { Length: > 0 } r ? Reference.Parse(r) : null,
            };
            var image = engine.Commit(p.GetValue(target)!, options, p.GetValue(pause));
            cli.Out.WriteLine(image.Id);
            return 0;
        }));
        return cmd;
    }
}
