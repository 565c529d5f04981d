using System.CommandLine;

namespace Quai.Cli.Commands.Images;

/// <summary><c>tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]</c>.</summary>
public static class TagCommand
{
    public static Command Create(CliContext cli, string name)
    {
        var source = new Argument<string>("SOURCE_IMAGE[:TAG]");
        var target = new Argument<string>("TARGET_IMAGE[:TAG]");
        var cmd = new Command(name, "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE") { source, target };
        cmd.SetAction(p => cli.Run(p, store =>
        {
            var tagged = store.Tag(p.GetValue(source)!, p.GetValue(target)!);
            Quai.Engine.Events.ImageEvents.Emit(store.Root, "tag", store.Find(p.GetValue(source)!).Id, tagged.ToString());
            return 0;
        }));
        return cmd;
    }
}
