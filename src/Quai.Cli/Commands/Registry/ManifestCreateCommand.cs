using System.CommandLine;
using Quai.Oci.Image;
using Quai.Registry.Manifests;

namespace Quai.Cli.Commands.Registry;

/// <summary><c>manifest create MANIFEST_LIST MANIFEST [MANIFEST...]</c> (<c>--amend</c>, <c>--insecure</c>).</summary>
public static class ManifestCreateCommand
{
    public static Command Create(CliContext cli)
    {
        var amend = new Option<bool>("--amend", "-a") { Description = "Amend an existing manifest list" };
        var insecure = ManifestCommand.InsecureOption();
        var listArg = new Argument<string>("MANIFEST_LIST");
        var manifests = new Argument<string[]>("MANIFEST") { Arity = ArgumentArity.OneOrMore };
        var cmd = new Command("create", "Create a local manifest list for annotating and pushing to a registry") { amend, insecure, listArg, manifests };
        cmd.SetAction(p => ManifestCommand.Run(cli, p, (_, lists) =>
        {
            var name = p.GetValue(listArg)!;
            Reference list;
            try { list = ManifestCommand.Normalize(name); }
            catch (FormatException e) { throw new ManifestException($"error parsing name for manifest list {name}: {e.Message}"); }
            var refs = p.GetValue(manifests)!.Select(ManifestCommand.Normalize).ToList();
            using var client = ManifestCommand.Client(cli, p.GetValue(insecure), refs);
            var creator = new ManifestListCreator(lists, new ManifestFetcher(client));
            RegistryAccess.Wait(creator.CreateAsync(list, refs, p.GetValue(amend)));
            cli.Out.WriteLine($"Created manifest list {list}");
            return 0;
        }));
        return cmd;
    }
}
