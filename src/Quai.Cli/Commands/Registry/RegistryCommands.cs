using System.CommandLine;
using Quai.Registry.Auth;
using Quai.Registry.Client;
using Quai.Registry.Config;

namespace Quai.Cli.Commands.Registry;

/// <summary>The registry commands of the client helper: <c>login</c>, <c>logout</c>, <c>search</c>
/// (pull and push are registered by their own files).</summary>
public static class RegistryCommands
{
    public static void Register(CliContext cli)
    {
        cli.Add(cli.Strict(LoginCommand.Create(cli)));
        cli.Add(cli.Strict(LogoutCommand.Create(cli)));
        cli.Add(SearchCommand.Create(cli));
    }

    /// <summary>Runs a registry command: a registry's refusal prints as Docker prints a daemon's
    /// (<c>Error response from daemon: …</c>, exit 1); bad configuration and usage as <c>Error: …</c>.</summary>
    internal static int Run(CliContext cli, Func<int> body)
    {
        try { return body(); }
        catch (RegistryException e)
        {
            cli.Err.WriteLine($"Error response from daemon: {e.Message}");
            return CliContext.ExitError;
        }
        catch (UsageException e) { return cli.Fail(e.Message, CliContext.ExitError); }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException or IOException or UnauthorizedAccessException or ArgumentException or FormatException)
        {
            return cli.Fail(e.Message, CliContext.ExitError);
        }
    }

    /// <summary>A registry as the user names it (<c>https://host:5000/</c>, <c>host:5000</c>, nothing for Docker Hub)
    /// as a domain: no scheme, no path; Docker Hub's spellings become <c>docker.io</c>.</summary>
    internal static string Domain(string? server)
    {
        if (string.IsNullOrWhiteSpace(server)) return Quai.Oci.Image.Reference.DefaultDomain;
        var key = CredentialStore.KeyFor(server.Trim());
        return key == CredentialStore.DockerHubKey ? Quai.Oci.Image.Reference.DefaultDomain : key;
    }

    /// <summary>What Docker prints for a registry: Hub's key, or host[:port].</summary>
    internal static string Display(string domain) => CredentialStore.KeyFor(domain);

    internal static RegistryClient Client(CredentialStore? store, TextWriter warnings) => new(RegistryConfig.Load(), store, warnings);
}
