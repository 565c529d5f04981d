using System.CommandLine;
using Quai.Images;
using Quai.Oci.Image;
using Quai.Registry.Auth;
using Quai.Registry.Client;
using Quai.Registry.Config;
using Quai.Registry.Manifests;

namespace Quai.Cli.Commands.Registry;

/// <summary><c>manifest create|annotate|inspect|push|rm</c>: docker's <c>docker manifest</c> with its flags, output and
/// messages. Local lists live under the image store root (ROOT/manifests), not in ~/.docker.</summary>
public static class ManifestCommand
{
    public static void Register(CliContext cli)
    {
        var manifest = new Command("manifest", "Manage Docker image manifests and manifest lists");
        manifest.Add(cli.Strict(ManifestCreateCommand.Create(cli)));
        manifest.Add(cli.Strict(ManifestAnnotateCommand.Create(cli)));
        manifest.Add(cli.Strict(ManifestInspectCommand.Create(cli)));
        manifest.Add(cli.Strict(ManifestPushCommand.Create(cli)));
        manifest.Add(cli.Strict(ManifestRmCommand.Create(cli)));
        cli.Add(manifest);
    }

    /// <summary>Runs a manifest verb on the store's manifest lists; a refusal is docker's message and exit status 1.</summary>
    internal static int Run(CliContext cli, ParseResult p, Func<ImageStore, ManifestListStore, int> body) => cli.Run(p, store =>
    {
        try { return body(store, ManifestListStore.ForImageStore(store.Root)); }
        catch (ManifestException e) { return cli.Fail(e.Message, CliContext.ExitError); }
    });

    /// <summary>docker's reference rule for manifests: a name without tag or digest gets <c>:latest</c>.</summary>
    internal static Reference Normalize(string value) => Reference.Parse(value);

    /// <summary>The registry client; with --insecure the registries of <paramref name="references"/> are treated as
    /// insecure for this call (http, any certificate), as docker's flag does.</summary>
    internal static RegistryClient Client(CliContext cli, bool insecure, IEnumerable<Reference> references)
        => new(InsecureFlag.Apply(RegistryConfig.Load(), insecure, references), CredentialStore.Open(), cli.Err);

    internal static Option<bool> InsecureOption(string description = "Allow communication with an insecure registry") =>
        new("--insecure") { Description = description };
}
