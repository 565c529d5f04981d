using System.CommandLine;
using System.Text;
using Quai.Registry.Auth;
using Quai.Registry.Client;

namespace Quai.Cli.Commands.Registry;

/// <summary><c>login [SERVER] [-u USER] [-p PASSWORD | --password-stdin]</c>: checks the credentials against the
/// registry and stores them in Docker's config.json (or its credential helper), with Docker's prompts and messages.</summary>
public static class LoginCommand
{
    public static Command Create(CliContext cli)
    {
        var user = new Option<string?>("--username", "-u") { Description = "Username" };
        var password = new Option<string?>("--password", "-p") { Description = "Password or Personal Access Token (PAT)" };
        var stdin = new Option<bool>("--password-stdin") { Description = "Take the Password or Personal Access Token (PAT) from stdin" };
        var server = new Argument<string?>("SERVER") { Arity = ArgumentArity.ZeroOrOne };
        var cmd = new Command("login", "Authenticate to a registry.\nDefaults to Docker Hub if no server is specified.") { user, password, stdin, server };
        cmd.SetAction(p => RegistryCommands.Run(cli, () =>
        {
            var username = p.GetValue(user);
            var secret = p.GetValue(password);
            if (secret is not null && p.GetValue(stdin)) throw new UsageException("--password and --password-stdin are mutually exclusive");
            if (p.GetValue(stdin))
            {
                if (string.IsNullOrEmpty(username)) throw new UsageException("Must provide --username with --password-stdin");
                secret = Quai.Cli.Output.StdStreams.In.ReadToEnd().TrimEnd('\n', '\r');
            }
            else if (secret is not null)
                cli.Err.WriteLine("WARNING! Using --password via the CLI is insecure. Use --password-stdin.");

            var domain = RegistryCommands.Domain(p.GetValue(server));
            var store = CredentialStore.Open();
            using var client = RegistryCommands.Client(store, cli.Err);

            // No credentials given: try the stored ones first, as Docker does.
            if (string.IsNullOrEmpty(username) && string.IsNullOrEmpty(secret) && store.Get(domain) is { } existing)
            {
                try
                {
                    client.LoginAsync(domain, existing).GetAwaiter().GetResult();
                    if (!existing.IsIdentityToken) cli.Out.WriteLine($"Authenticating with existing credentials... [Username: {existing.Username}]");
                    cli.Out.WriteLine("Login Succeeded");
                    return 0;
                }
                catch (RegistryException e)
                {
                    cli.Err.WriteLine($"Login did not succeed, error: {e.Message}");
                }
            }
            if (string.IsNullOrEmpty(username) || secret is null)
            {
                if (Console.IsInputRedirected) throw new UsageException("Cannot perform an interactive login from a non TTY device");
                if (string.IsNullOrEmpty(username))
                {
                    cli.Out.Write("Username: ");
                    cli.Out.Flush();
                    username = Quai.Cli.Output.StdStreams.In.ReadLine()?.Trim();
                    if (string.IsNullOrEmpty(username)) throw new UsageException("Username is required");
                }
                cli.Out.Write("Password: ");
                cli.Out.Flush();
                secret = ReadHidden();
                cli.Out.WriteLine();
            }
            if (string.IsNullOrEmpty(secret)) throw new UsageException("Password is required");
            var credential = new Credential(username!, secret);
            client.LoginAsync(domain, credential).GetAwaiter().GetResult();
            store.Store(domain, credential);
            if (store.HelperFor(domain) is null)
            {
                cli.Err.WriteLine($"WARNING! Your credentials are stored unencrypted in '{store.ConfigPath}'.");
                cli.Err.WriteLine("Configure a credential helper to remove this warning. See");
                cli.Err.WriteLine("https://docs.docker.com/go/credential-store/");
                cli.Err.WriteLine();
            }
            cli.Out.WriteLine("Login Succeeded");
            return 0;
        }));
        return cmd;
    }

    /// <summary>A line typed at the terminal without echo.</summary>
    private static string ReadHidden()
    {
        var sb = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) return sb.ToString();
            if (key.Key == ConsoleKey.Backspace) { if (sb.Length > 0) sb.Length--; continue; }
            if (key.KeyChar == '\u0003') throw new OperationCanceledException();
            if (key.KeyChar != '\0') sb.Append(key.KeyChar);
        }
    }
}
