using System.CommandLine;
using Quai.Registry.Auth;

namespace Quai.Cli.Commands.Registry;

/// <summary><c>logout [SERVER]</c>: removes the stored credentials of a registry (Docker Hub by default).</summary>
public static class LogoutCommand
{
    public static Command Create(CliContext cli)
    {
        var server = new Argument<string?>("SERVER") { Arity = ArgumentArity.ZeroOrOne };
        var cmd = new Command("logout", "Log out from a registry.\nIf no server is specified, the default is defined by the daemon.") { server };
        cmd.SetAction(p => RegistryCommands.Run(cli, () =>
        {
            var domain = RegistryCommands.Domain(p.GetValue(server));
            var store = CredentialStore.Open();
            var shown = RegistryCommands.Display(domain);
            cli.Out.WriteLine(store.Erase(domain) ? $"Removing login credentials for {shown}" : $"Not logged in to {shown}");
            return 0;
        }));
        return cmd;
    }
}
