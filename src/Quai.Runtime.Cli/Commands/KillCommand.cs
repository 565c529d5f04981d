using System.CommandLine;

namespace Quai.Runtime.Cli.Commands;

public static class KillCommand
{
    public static Command Build()
    {
        var cmd = new Command("kill", "kill sends the specified signal (default: SIGTERM) to the container's init process");
        var all = new Option<bool>("--all", "-a") { Description = "send the specified signal to all processes inside the container" };
        cmd.Options.Add(all);
        var id = new Argument<string>("container-id");
        var signal = new Argument<string?>("signal") { Arity = ArgumentArity.ZeroOrOne };
        cmd.Arguments.Add(id);
        cmd.Arguments.Add(signal);
        cmd.SetAction(p => Globals.Run(p, () =>
        {
            Globals.Runtime(p).Kill(p.GetValue(id)!, Globals.ParseSignal(p.GetValue(signal)), p.GetValue(all));
            return 0;
        }));
        return cmd;
    }
}
