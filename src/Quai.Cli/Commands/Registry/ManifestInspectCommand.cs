using System.CommandLine;
using Quai.Oci.Image;
using Quai.Registry.Client;
using Quai.Registry.Manifests;

namespace Quai.Cli.Commands.Registry;

/// <summary><c>manifest inspect [OPTIONS] [MANIFEST_LIST] MANIFEST</c> (<c>-v/--verbose</c>, <c>--insecure</c>).</summary>
public static class ManifestInspectCommand
{
    public static Command Create(CliContext cli)
    {
        var insecure = ManifestCommand.InsecureOption();
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Output additional info including layers and platform" };
        var names = new Argument<string[]>("[MANIFEST_LIST] MANIFEST") { Arity = new ArgumentArity(1, 2) };
        var cmd = new Command("inspect", "Display an image manifest, or manifest list") { insecure, verbose, names };
        cmd.SetAction(p => ManifestCommand.Run(cli, p, (_, lists) =>
        {
            var args = p.GetValue(names)!;
            var reference = ManifestCommand.Normalize(args[^1]);
            var list = args.Length == 2 ? ManifestCommand.Normalize(args[0]) : null;
            RegistryClient? client = null;
            try
            {
                var inspector = new ManifestInspector(lists, () => new ManifestFetcher(client ??= ManifestCommand.Client(cli, p.GetValue(insecure), [reference])));
                cli.Out.WriteLine(RegistryAccess.Wait(inspector.InspectAsync(list, reference, p.GetValue(verbose))));
            }
            finally { client?.Dispose(); }
            return 0;
        }));
        return cmd;
    }
}
