using Quai.Runtime;
using System.CommandLine;
using System.Text.Json;
using Quai.Oci.Runtime;
using Quai.Runtime.Specs;

namespace Quai.Runtime.Cli.Commands;

public static class SpecCommand
{
    public static Command Build()
    {
        var cmd = new Command("spec", "create a new specification file");
        var bundle = new Option<string>("--bundle", "-b") { Description = "path to the root of the bundle directory", DefaultValueFactory = _ => "." };
        cmd.Options.Add(bundle);
        cmd.SetAction(p => Globals.Run(p, () =>
        {
            var path = Path.Combine(p.GetValue(bundle)!, "config.json");
            if (File.Exists(path)) throw new RuntimeException("File config.json exists. Remove it first.");
            var rootless = p.Tokens.Any(t => t.Value.StartsWith("--rootless", StringComparison.Ordinal)) &&
                           p.GetValue(Globals.RootlessFlag) is null or "" or "true";
            var spec = DefaultSpec.Create(rootless);
            File.WriteAllText(path, JsonSerializer.Serialize(spec, RuntimeJsonContext.Default.Spec));
            return 0;
        }));
        return cmd;
    }
}
