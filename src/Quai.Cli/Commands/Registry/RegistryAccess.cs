using Quai.Registry.Auth;
using Quai.Registry.Client;
using Quai.Registry.Config;

namespace Quai.Cli.Commands.Registry;

/// <summary>The registry client every registry command uses: /etc/quai/daemon.json, the certificates in certs.d and
/// the user's docker credentials (~/.docker/config.json), warnings to stderr.</summary>
public static class RegistryAccess
{
    public static RegistryClient Client(CliContext cli) => new(RegistryConfig.Load(), CredentialStore.Open(), cli.Err);

    /// <summary>Runs an async registry operation from a synchronous command action.</summary>
    public static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();
}
