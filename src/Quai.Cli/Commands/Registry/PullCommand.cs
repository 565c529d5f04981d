using System.CommandLine;
using Quai.Oci.Image;
using Quai.Registry.Distribution;
using Quai.Registry.Progress;

namespace Quai.Cli.Commands.Registry;

/// <summary><c>pull NAME[:TAG|@DIGEST]</c>: docker's flags and output (progress, then the Digest and Status lines and
/// the fully qualified reference).</summary>
public static class PullCommand
{
    public static Command Create(CliContext cli, string name)
    {
        var allTags = new Option<bool>("--all-tags", "-a") { Description = "Download all tagged images in the repository" };
        var platform = new Option<string?>("--platform") { Description = "Set platform if server is multi-platform capable (os[/arch[/variant]])" };
        var allPlatforms = new Option<bool>("--all-platforms") { Description = "Keep every platform of a multi-platform image" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Suppress verbose output" };
        var trust = new Option<bool>("--disable-content-trust") { Description = "Skip image verification (accepted for compatibility: content trust is not implemented)", DefaultValueFactory = _ => true };
        var image = new Argument<string>("NAME[:TAG|@DIGEST]");
        var cmd = new Command(name, "Download an image from a registry") { allTags, platform, allPlatforms, quiet, trust, image };
        cmd.SetAction(p => cli.Run(p, store =>
        {
            var options = new PullOptions
            {
                Platform = p.GetValue(platform) is { Length: > 0 } s ? Platform.Parse(s) : null,
                AllPlatforms = p.GetValue(allPlatforms),
            };
            var all = p.GetValue(allTags);
            var reference = all ? Reference.ParseNormalized(p.GetValue(image)!) : Reference.Parse(p.GetValue(image)!);
            if (all && (reference.Tag is not null || reference.Digest is not null))
                throw new UsageException("tag can't be used with --all-tags/-a");
            IProgressSink sink = p.GetValue(quiet) ? NullProgress.Instance : ProgressRenderer.ForConsole(cli.Out);
            using var client = RegistryAccess.Client(cli);
            var puller = new Puller(store, client, sink);
            if (all)
            {
                RegistryAccess.Wait(puller.PullAllTagsAsync(reference, options));
                cli.Out.WriteLine(reference.NameOnly().ToString());
            }
            else
            {
                RegistryAccess.Wait(puller.PullAsync(reference, options));
                Quai.Engine.Events.ImageEvents.Emit(store.Root, "pull", reference.ToString(), reference.ToString());
                cli.Out.WriteLine(reference.ToString());
            }
            return 0;
        }));
        return cmd;
    }
}
