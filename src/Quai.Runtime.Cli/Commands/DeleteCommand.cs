using System.CommandLine;

namespace Quai.Runtime.Cli.Commands;

public static class DeleteCommand
{
    public static Command Build()
    {
        var cmd = new Command("delete", "delete any resources held by the container often used with detached container");
        var force = new Option<bool>("--force", "-f") { Description = "forcibly deletes the container if it is still running (uses SIGKILL)" };
        cmd.Options.Add(force);
        var id = new Argument<string>("container-id");
        cmd.Arguments.Add(id);
        cmd.SetAction(p => Globals.Run(p, () =>
        {
            Globals.Runtime(p).Delete(p.GetValue(id)!, p.GetValue(force));
            return 0;
        }));
        return cmd;
    }
}
