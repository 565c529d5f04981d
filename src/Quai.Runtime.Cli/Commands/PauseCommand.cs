using System.CommandLine;

namespace Quai.Runtime.Cli.Commands;

public static class PauseCommand
{
    public static Command Build()
    {
        var cmd = new Command("pause", "pause suspends all processes inside the container");
        var id = new Argument<string>("container-id");
        cmd.Arguments.Add(id);
        cmd.SetAction(p => Globals.Run(p, () => { Globals.Runtime(p).Pause(p.GetValue(id)!); return 0; }));
        return cmd;
    }
}

public static class ResumeCommand
{
    public static Command Build()
    {
        var cmd = new Command("resume", "resumes all processes that have been previously paused");
        var id = new Argument<string>("container-id");
        cmd.Arguments.Add(id);
        cmd.SetAction(p => Globals.Run(p, () => { Globals.Runtime(p).Resume(p.GetValue(id)!); return 0; }));
        return cmd;
    }
}

public static class UnsupportedCommand
{
    public static Command Build(string name, string description)
    {
        var cmd = new Command(name, description) { TreatUnmatchedTokensAsErrors = false };
        cmd.SetAction(p => Globals.Run(p, () => throw new NotSupportedException($"{name} is not supported by quai-runtime (no CRIU)")));
        return cmd;
    }
}
