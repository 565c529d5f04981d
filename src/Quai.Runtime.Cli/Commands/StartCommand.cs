using System.CommandLine;

namespace Quai.Runtime.Cli.Commands;

public static class StartCommand
{
    public static Command Build()
    {
        var cmd = new Command("start", "executes the user defined process in a created container");
        var id = new Argument<string>("container-id");
        cmd.Arguments.Add(id);
        cmd.SetAction(p => Globals.Run(p, () =>
        {
            Globals.Runtime(p).Start(p.GetValue(id)!);
            return 0;
        }));
        return cmd;
    }
}
