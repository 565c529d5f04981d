using Quai.Runtime;
using System.CommandLine;
using System.Text.Json;
using Quai.Runtime.Process;

namespace Quai.Runtime.Cli.Commands;

/// <summary>`ps`: the container's processes, as `ps` shows them (table) or their pids (json).</summary>
public static class PsCommand
{
    public static Command Build()
    {
        var cmd = new Command("ps", "ps displays the processes running inside a container") { TreatUnmatchedTokensAsErrors = false };
        var format = new Option<string>("--format", "-f") { Description = "select one of: table or json", DefaultValueFactory = _ => "table" };
        cmd.Options.Add(format);
        var id = new Argument<string>("container-id");
        var psArgs = new Argument<string[]>("ps-options") { Arity = ArgumentArity.ZeroOrMore };
        cmd.Arguments.Add(id);
        cmd.Arguments.Add(psArgs);
        cmd.SetAction(p => Globals.Run(p, () =>
        {
            var pids = Globals.Runtime(p).Pids(p.GetValue(id)!);
            if (p.GetValue(format) == "json")
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(pids.ToList(), CliJsonContext.Default.ListInt32));
                return 0;
            }
            if (p.GetValue(format) != "table") throw new RuntimeException($"invalid format option \"{p.GetValue(format)}\"");
            var extra = (p.GetValue(psArgs) ?? []).Concat(p.UnmatchedTokens).ToArray();
            var output = RunPs(extra.Length == 0 ? ["-ef"] : extra);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (lines.Length == 0) return 0;
            var header = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var pidColumn = Array.IndexOf(header, "PID");
            if (pidColumn < 0) throw new RuntimeException("couldn't find PID field in ps output");
            Console.Out.WriteLine(lines[0]);
            var set = pids.ToHashSet();
            foreach (var line in lines.Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > pidColumn && int.TryParse(fields[pidColumn], out var pid) && set.Contains(pid))
                    Console.Out.WriteLine(line);
            }
            return 0;
        }));
        return cmd;
    }

    private static string RunPs(string[] args)
    {
        var pipe = ProcessSpawner.Pipe();
        var path = File.Exists("/bin/ps") ? "/bin/ps" : "/usr/bin/ps";
        var pid = ProcessSpawner.Spawn(path, ["ps", .. args], ["PATH=/usr/bin:/bin", "LC_ALL=C"], [(0, 0), (pipe[1], 1), (2, 2)]);
        Interop.Libc.Close(pipe[1]);
        using var stream = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(pipe[0], true), FileAccess.Read);
        var text = new StreamReader(stream).ReadToEnd();
        var status = ProcessSpawner.Wait(pid);
        if (status != 0) throw new RuntimeException($"ps {string.Join(' ', args)} failed: exit status {ProcessSpawner.ExitCode(status!.Value)}");
        return text;
    }
}
