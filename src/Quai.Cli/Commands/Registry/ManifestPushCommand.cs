using System.CommandLine;
using Quai.Registry.Manifests;

namespace Quai.Cli.Commands.Registry;

/// <summary><c>manifest push [OPTIONS] MANIFEST_LIST</c> (<c>-p/--purge</c>, <c>--insecure</c>).</summary>
public static class ManifestPushCommand
{
    public static Command Create(CliContext cli)
    {
        var purge = new Option<bool>("--purge", "-p") { Description = "Remove the local manifest list after push" };
        var insecure = ManifestCommand.InsecureOption("Allow push to an insecure registry");
        var listArg = new Argument<string>("MANIFEST_LIST");
        var cmd = new Command("push", "Push a manifest list to a repository") { purge, insecure, listArg };
        cmd.SetAction(p => ManifestCommand.Run(cli, p, (_, lists) =>
        {
            var list = ManifestCommand.Normalize(p.GetValue(listArg)!);
            using var client = ManifestCommand.Client(cli, p.GetValue(insecure), [list]);
            RegistryAccess.Wait(new ManifestListPusher(lists, client, cli.Out).PushAsync(list, p.GetValue(purge)));
            return 0;
        }));
        return cmd;
    }
}
