using Quai.Images;
using Quai.Oci.Image;
using Quai.Registry.Client;
using Quai.Registry.Distribution;
using Quai.Registry.Progress;

namespace Quai.Cli.Commands.Registry;

/// <summary><c>run/create --pull missing|always|never</c>: docker pulls a missing image (progress on stderr) before
/// it creates the container; a pull failure is an engine error (exit 125).</summary>
public static class RunPull
{
    public static readonly string[] Policies = ["missing", "always", "never"];

    public static string Validate(string? policy)
    {
        var p = policy ?? "missing";
        return Policies.Contains(p) ? p
            : throw new UsageException($"invalid pull option: '{p}': must be one of \"always\", \"missing\" or \"never\"");
    }

    /// <summary>Pulls <paramref name="image"/>; returns null on success, else the message to fail with.</summary>
    public static string? Pull(CliContext cli, ImageStore store, string image, string? platform, bool quiet = false)
    {
        try
        {
            var reference = Reference.Parse(image);
            using var client = RegistryAccess.Client(cli);
            var options = new PullOptions { Platform = platform is { Length: > 0 } s ? Platform.Parse(s) : null };
            RegistryAccess.Wait(new Puller(store, client, ProgressRenderer.ForConsole(quiet ? TextWriter.Null : cli.Err, stderr: !quiet)).PullAsync(reference, options));
            return null;
        }
        catch (Exception e) when (e is RegistryException or FormatException or InvalidDataException or IOException or HttpRequestException or TaskCanceledException)
        {
            return e.Message;
        }
    }
}
