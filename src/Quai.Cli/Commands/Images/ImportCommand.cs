using System.CommandLine;
using Quai.Images;
using Quai.Oci.Image;

namespace Quai.Cli.Commands.Images;

/// <summary><c>import file|- [REPOSITORY[:TAG]]</c>: a rootfs tarball becomes an image; prints its ID.</summary>
public static class ImportCommand
{
    public static Command Create(CliContext cli, string name)
    {
        var change = new Option<string[]>("--change", "-c") { Description = "Apply Dockerfile instruction to the created image" };
        var message = new Option<string?>("--message", "-m") { Description = "Set commit message for imported image" };
        var platform = new Option<string?>("--platform") { Description = "Set platform if server is multi-platform capable" };
        var source = new Argument<string>("file|-");
        var repo = new Argument<string?>("REPOSITORY[:TAG]") { Arity = ArgumentArity.ZeroOrOne };
        var cmd = new Command(name, "Import the contents from a tarball to create a filesystem image") { change, message, platform, source, repo };
        cmd.SetAction(p => cli.Run(p, store =>
        {
            var src = p.GetValue(source)!;
            var isUrl = src.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || src.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
            if (!isUrl && src.Contains("://", StringComparison.Ordinal)) throw new UsageException($"import {src}: unsupported URL scheme (http and https are)");
            var options = new ImportOptions
            {
                Changes = p.GetValue(change) ?? [],
                Message = p.GetValue(message),
                Platform = p.GetValue(platform) is { } pl ? Platform.Parse(pl) : null,
                Tag = p.GetValue(repo) is { } r ? Reference.Parse(r) : null,
                Source = src,
            };
            Quai.Images.Metadata.ImageRecord rec;
            if (isUrl) rec = FromUrl(store, src, options);
            else if (src == "-")
            {
                using var stdin = Quai.Cli.Output.StdStreams.OpenIn();
                rec = store.Import(stdin, options);
            }
            else
            {
                if (!File.Exists(src)) throw new UsageException($"open {src}: no such file or directory");
                using var f = File.OpenRead(src);
                rec = store.Import(f, options);
            }
            Quai.Engine.Events.ImageEvents.Emit(store.Root, "import", rec.Id, src);
            cli.Out.WriteLine(rec.Id);
            return 0;
        }));
        return cmd;
    }

    /// <summary>dockerd's import from a URL: a GET streamed into the importer (never held in memory); a failed
    /// request or a non-2xx answer names the URL ("failed to GET URL with status 404 Not Found").</summary>
    private static Quai.Images.Metadata.ImageRecord FromUrl(ImageStore store, string url, ImportOptions options)
    {
        using var http = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = System.Net.DecompressionMethods.None }) { Timeout = Timeout.InfiniteTimeSpan };
        HttpResponseMessage response;
        try { response = http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult(); }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or UriFormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"Get \"{url}\": {e.InnerException?.Message ?? e.Message}"); // a daemon error for docker: exit 1
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
                throw new InvalidDataException($"failed to GET {url} with status {(int)response.StatusCode} {response.ReasonPhrase}");
            using var body = response.Content.ReadAsStream();
            try { return store.Import(body, options); }
            catch (HttpRequestException e) { throw new IOException($"read {url}: {e.Message}"); }
        }
    }
}
