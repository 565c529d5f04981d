using System.CommandLine;
using Quai.Cli.Output;

namespace Quai.Cli.Commands.Images;

/// <summary><c>image prune</c>: dangling images (or, with -a, all unused ones), then GC of blobs and snapshots.</summary>
public static class PruneCommand
{
    public static Command Create(CliContext cli, string name)
    {
        var all = new Option<bool>("--all", "-a") { Description = "Remove all unused images, not just dangling ones" };
        var force = new Option<bool>("--force", "-f") { Description = "Do not prompt for confirmation" };
        var filter = new Option<string[]>("--filter") { Description = "Provide filter values (e.g. 'label=<key>=<value>')" };
        var cmd = new Command(name, "Remove unused images") { all, force, filter };
        cmd.SetAction(p => cli.Run(p, store =>
        {
            bool a = p.GetValue(all);
            if (!p.GetValue(force))
            {
                cli.Out.Write(a
                    ? "WARNING! This will remove all images without at least one container associated to them.\nAre you sure you want to continue? [y/N] "
                    : "WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] ");
                var answer = Quai.Cli.Output.StdStreams.In.ReadLine()?.Trim().ToLowerInvariant();
                if (answer is not ("y" or "yes")) return 0;
            }
            var filters = ImageFilter.Parse(p.GetValue(filter) ?? [], store);
            var result = store.Prune(a, (img, tags) => filters.All(f => f(new ImageRow(img, "", "", 0), tags)));
            if (result.Untagged.Count + result.Deleted.Count > 0)
            {
                cli.Out.WriteLine("Deleted Images:");
                foreach (var u in result.Untagged) cli.Out.WriteLine($"untagged: {u}");
                foreach (var d in result.Deleted) cli.Out.WriteLine($"deleted: {d}");
                cli.Out.WriteLine();
            }
            cli.Out.WriteLine($"Total reclaimed space: {Units.HumanSize(result.BytesReclaimed)}");
            return 0;
        }));
        return cmd;
    }
}
