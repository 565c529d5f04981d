using System.CommandLine;
using System.Text.Json;
using Quai.Cli.Commands.Containers;
using Quai.Cli.Output;
using Quai.Network.Networks;
using Quai.Templates.Values;

namespace Quai.Cli.Commands.Networks;

/// <summary>`network inspect`: Docker's JSON (Containers from the live endpoints), -f templates.</summary>
public static class NetworkInspectCommand
{
    public static readonly JsonShape Shape = new()
    {
        Maps = ["IPAM.Options", "Containers", "Options", "Labels"],
        StringMaps = ["IPAM.Options", "Options", "Labels"],
        Slices = ["IPAM.Config"],
        GoNames = new() { ["Id"] = "ID" },
        Types = new() { [""] = "network.Inspect", ["IPAM"] = "network.IPAM", ["IPAM.Config[]"] = "network.IPAMConfig", ["Containers.*"] = "network.EndpointResource", ["ConfigFrom"] = "network.ConfigReference" },
    };

    public static Command Create(CliContext cli)
    {
        var format = new Option<string?>("--format", "-f") { Description = "Format output using a custom template" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Verbose output for diagnostics" };
        var names = new Argument<string[]>("NETWORK") { Arity = ArgumentArity.OneOrMore };
        var cmd = new Command("inspect", "Display detailed information on one or more networks") { format, verbose, names };
        cmd.SetAction(p => NetworkCommands.Run(cli, p, engine =>
        {
            engine.Networks.EnsurePredefined();
            var rc = 0;
            var docs = new List<JsonElement>();
            foreach (var n in p.GetValue(names)!)
            {
                var rec = engine.Networks.Store.Find(n);
                if (rec is null) { EngineCli.Daemon(cli, $"network {n} not found", 1); rc = 1; continue; }
                docs.Add(Json(engine.Networks.WithContainers(rec)));
            }
            var f = p.GetValue(format);
            if (f is null or "" or "json") { TemplateOutput.InspectJson(cli, docs, compact: f == "json"); return rc; }
            var errors = new List<string>();
            var r = TemplateOutput.Inspect(cli, f, docs.Select(d => (d, Shape)), errors);
            foreach (var e in errors) cli.Err.WriteLine(e);
            return rc != 0 ? rc : r;
        }));
        return cmd;
    }

    public static JsonElement Json(NetworkRecord n) =>
        TemplateOutput.ToElement(w => JsonSerializer.Serialize(w, n, NetworkJsonContext.Default.NetworkRecord));
}
