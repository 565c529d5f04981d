using System.CommandLine;
using Quai.Images;
using Quai.Oci.Image;
using Quai.Registry.Distribution;
using Quai.Registry.Progress;

namespace Quai.Cli.Commands.Registry;

/// <summary><c>push NAME[:TAG]</c>: docker's flags and output (The push refers to…, a line per layer, then
/// <c>TAG: digest: sha256:… size: N</c>).</summary>
public static class PushCommand
{
    public static Command Create(CliContext cli, string name)
    {
        var allTags = new Option<bool>("--all-tags", "-a") { Description = "Push all tags of an image to the repository" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Suppress verbose output" };
        var trust = new Option<bool>("--disable-content-trust") { Description = "Skip image signing (accepted for compatibility: content trust is not implemented)", DefaultValueFactory = _ => true };
        var image = new Argument<string>("NAME[:TAG]");
        var cmd = new Command(name, "Upload an image to a registry") { allTags, quiet, trust, image };
        cmd.SetAction(p => cli.Run(p, store =>
        {
            var all = p.GetValue(allTags);
            var reference = Reference.ParseNormalized(p.GetValue(image)!);
            if (reference.Digest is not null) throw new UsageException("cannot push a digest reference");
            if (all && reference.Tag is not null) throw new UsageException("tag can't be used with --all-tags/-a");
            var tags = all
                ? store.List().SelectMany(i => i.Tags).Select(Reference.Parse).Where(r => r.Repository == reference.Repository).Select(r => r.ToString()).Distinct().ToList()
                : [reference.WithDefaultTag().ToString()];
            if (tags.Count == 0 || (!all && store.TryFind(tags[0]) is null))
                return cli.Fail($"An image does not exist locally with the tag: {reference.FamiliarRepository}", CliContext.ExitError);
            var quietMode = p.GetValue(quiet);
            IProgressSink sink = quietMode ? NullProgress.Instance : ProgressRenderer.ForConsole(cli.Out);
            using var client = RegistryAccess.Client(cli);
            var pusher = new Pusher(store, client, sink, cli.Err);
            foreach (var t in tags)
            {
                RegistryAccess.Wait(pusher.PushAsync(Reference.Parse(t)));
                Quai.Engine.Events.ImageEvents.Emit(store.Root, "push", t, t);
            }
            if (quietMode) cli.Out.WriteLine(all ? reference.NameOnly().ToString() : tags[0]);
            return 0;
        }));
        return cmd;
    }
}
