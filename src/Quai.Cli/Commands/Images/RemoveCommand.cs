using System.CommandLine;
using Quai.Images;

namespace Quai.Cli.Commands.Images;

/// <summary><c>rmi</c> / <c>image rm</c>: prints Untagged:/Deleted: lines like Docker; exit 1 if any image failed.</summary>
public static class RemoveCommand
{
    public static Command Create(CliContext cli, string name, params string[] aliases)
    {
        var force = new Option<bool>("--force", "-f") { Description = "Force removal of the image" };
        var noPrune = new Option<bool>("--no-prune") { Description = "Do not delete untagged parents" };
        var images = new Argument<string[]>("IMAGE") { Arity = ArgumentArity.OneOrMore };
        var cmd = new Command(name, "Remove one or more images") { force, noPrune, images };
        foreach (var a in aliases) cmd.Aliases.Add(a);
        cmd.SetAction(p => cli.Run(p, store =>
        {
            int rc = 0;
            foreach (var n in p.GetValue(images)!)
            {
                try
                {
                    var id = store.TryFind(n)?.Id ?? n;
                    var result = store.Remove(n, p.GetValue(force), !p.GetValue(noPrune));
                    foreach (var u in result.Untagged) Quai.Engine.Events.ImageEvents.Emit(store.Root, "untag", id, u);
                    foreach (var d in result.Deleted) Quai.Engine.Events.ImageEvents.Emit(store.Root, "delete", d, n);
                    foreach (var u in result.Untagged) cli.Out.WriteLine($"Untagged: {u}");
                    foreach (var d in result.Deleted) cli.Out.WriteLine($"Deleted: {d}");
                }
                catch (Exception e) when (e is ImageNotFoundException or ImageConflictException)
                {
                    cli.Err.WriteLine($"Error: {e.Message}");
                    rc = CliContext.ExitError;
                }
            }
            return rc;
        }));
        return cmd;
    }
}
