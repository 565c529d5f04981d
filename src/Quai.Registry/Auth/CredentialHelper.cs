using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Quai.Registry.Auth;

/// <summary>A <c>docker-credential-NAME</c> program on PATH, spoken to as docker does: the verb as its one
/// argument, the server URL (get, erase) or a JSON credential (store) on stdin, JSON on stdout.</summary>
public sealed class CredentialHelper(string name)
{
    public const string NotFoundMessage = "credentials not found in native keychain";
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    public string Name { get; } = name;
    public string Program => "docker-credential-" + Name;

    /// <summary>The stored credential, or null when the helper has none for <paramref name="serverUrl"/>.</summary>
    public Credential? Get(string serverUrl)
    {
        var (code, output) = Run("get", serverUrl);
        if (code != 0)
        {
            if (output.Contains(NotFoundMessage, StringComparison.OrdinalIgnoreCase)) return null;
            throw Failure("get", output);
        }
        HelperCredentials? c;
        try { c = JsonSerializer.Deserialize(output, AuthJsonContext.Default.HelperCredentials); }
        catch (JsonException e) { throw new InvalidOperationException($"error getting credentials - {Program} get printed invalid JSON: {e.Message}", e); }
        if (c is null || string.IsNullOrEmpty(c.Secret) && string.IsNullOrEmpty(c.Username)) return null;
        return c.Username == "<token>"
            ? new Credential("", c.Secret ?? "", IsIdentityToken: true)
            : new Credential(c.Username ?? "", c.Secret ?? "");
    }

    public void Store(string serverUrl, Credential credential)
    {
        var json = JsonSerializer.Serialize(new HelperCredentials
        {
            ServerUrl = serverUrl,
            Username = credential.IsIdentityToken ? "<token>" : credential.Username,
            Secret = credential.Secret,
        }, AuthJsonContext.Default.HelperCredentials);
        var (code, output) = Run("store", json);
        if (code != 0) throw Failure("store", output);
    }

    /// <summary>False when the helper had nothing for <paramref name="serverUrl"/>.</summary>
    public bool Erase(string serverUrl)
    {
        var (code, output) = Run("erase", serverUrl);
        if (code == 0) return true;
        if (output.Contains(NotFoundMessage, StringComparison.OrdinalIgnoreCase)) return false;
        throw Failure("erase", output);
    }

    private InvalidOperationException Failure(string verb, string output)
        => new($"error {(verb == "get" ? "getting" : verb == "store" ? "storing" : "erasing")} credentials - err: {Program} {verb} failed, out: `{output.Trim()}`");

    private (int Code, string Output) Run(string verb, string input)
    {
        var psi = new ProcessStartInfo(Program, verb)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        Process p;
        try { p = Process.Start(psi) ?? throw new InvalidOperationException($"{Program}: could not start"); }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"error {verb} credentials - err: exec: \"{Program}\": executable file not found in $PATH ({e.Message})", e);
        }
        using (p)
        {
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            try
            {
                p.StandardInput.Write(input);
                p.StandardInput.Close();
            }
            catch (IOException) { } // the helper exited without reading: its status says why
            if (!p.WaitForExit(Limit))
            {
                try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                p.WaitForExit();
                throw new InvalidOperationException($"error {verb} credentials - {Program} {verb} did not finish within {Limit.TotalSeconds:0}s");
            }
            var output = stdout.Result;
            if (p.ExitCode != 0 && output.Length == 0) output = stderr.Result;
            return (p.ExitCode, output);
        }
    }
}
