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
            if (src.Contains("://", StringComparison.Ordinal)) throw new UsageException($"importing from a URL is not supported: {src}");
            var options = new ImportOptions
            {
                Changes = p.GetValue(change) ?? [],
                Message = p.GetValue(message),
                Platform = p.GetValue(platform) is { } pl ? Platform.Parse(pl) : null,
                Tag = p.GetValue(repo) is { } r ? Reference.Parse(r) : null,
                Source = src,
            };
            Quai.Images.Metadata.ImageRecord rec;
            if (src == "-")
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
            cli.Out.WriteLine(rec.Id);
            return 0;
        }));
        return cmd;
    }
}
