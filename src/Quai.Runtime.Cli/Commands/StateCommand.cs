using System.CommandLine;
using System.Text.Json;
using Quai.Oci.Runtime;

namespace Quai.Runtime.Cli.Commands;

public static class StateCommand
{
    public static Command Build()
    {
        var cmd = new Command("state", "output the state of a container");
        var id = new Argument<string>("container-id");
        cmd.Arguments.Add(id);
        cmd.SetAction(p => Globals.Run(p, () =>
        {
            var state = Globals.Runtime(p).State(p.GetValue(id)!);
            Console.Out.WriteLine(JsonSerializer.Serialize(state, RuntimeJsonContext.Default.State));
            return 0;
        }));
        return cmd;
    }
}
