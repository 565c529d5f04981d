using System.CommandLine;
using Quai.Cli.Commands.Containers;
using Quai.Cli.Output;
using Quai.Engine;

namespace Quai.Cli.Commands.Sys;

/// <summary><c>system prune</c>: stopped containers, (with --volumes) anonymous volumes no container uses, dangling
/// images (with -a every image no container uses) and the unused build cache, each printed as its own prune command
/// prints it, then the total space reclaimed. Docker's question lists what will go, and the filters.</summary>
public static class SystemPrune
{
    public static Command Create(CliContext cli)
    {
        var all = new Option<bool>("--all", "-a") { Description = "Remove all unused images not just dangling ones" };
        var force = new Option<bool>("--force", "-f") { Description = "Do not prompt for confirmation" };
        var volumes = new Option<bool>("--volumes") { Description = "Prune anonymous volumes" };
        var filter = new Option<string[]>("--filter") { Description = "Provide filter values (e.g. \"label=<key>=<value>\")", AllowMultipleArgumentsPerToken = false };
        var cmd = new Command("prune", "Remove unused data") { all, force, volumes, filter };
        cmd.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            var a = p.GetValue(all);
            var specs = p.GetValue(filter) ?? [];
            var filters = PruneFilter.Parse(specs);
            if (!p.GetValue(force))
            {
                var text = new System.Text.StringBuilder("WARNING! This will remove:\n");
                text.Append("  - all stopped containers\n");
                if (p.GetValue(volumes)) text.Append("  - all anonymous volumes not used by at least one container\n");
                text.Append("  - all networks not used by at least one container\n");
                text.Append(a ? "  - all images without at least one container associated to them\n" : "  - all dangling images\n");
                text.Append(a ? "  - all build cache\n" : "  - unused build cache\n");
                if (!filters.IsEmpty)
                {
                    text.Append("\n  Items to be pruned will be filtered with:\n");
                    foreach (var s in specs.Order(StringComparer.Ordinal)) text.Append("  - ").Append(s).Append('\n');
                }
                text.Append("\nAre you sure you want to continue? [y/N] ");
                cli.Out.Write(text.ToString());
                if (Quai.Cli.Output.StdStreams.In.ReadLine()?.Trim().ToLowerInvariant() is not ("y" or "yes")) return 0;
            }
            long total = Containers(cli, engine, filters);
            if (p.GetValue(volumes)) total += Volumes(cli, engine, filters);
            total += Images(cli, engine, a, filters);
            total += BuildCache(cli, engine, filters);
            cli.Out.WriteLine($"Total reclaimed space: {Units.HumanSize(total)}");
            return 0;
        }));
        return cmd;
    }

    /// <summary>container prune's part: prints the removed IDs; returns the bytes their writable layers held.</summary>
    public static long Containers(CliContext cli, ContainerEngine engine, PruneFilter filters)
    {
        var removed = engine.Prune(c => filters.Matches(Quai.Engine.Containers.Times.Parse(c.Created) is { } t ? new DateTimeOffset(t, TimeSpan.Zero) : null, c.Config.Labels), out var reclaimed);
        if (removed.Count > 0)
        {
            cli.Out.WriteLine("Deleted Containers:");
            foreach (var id in removed) cli.Out.WriteLine(id);
            cli.Out.WriteLine();
        }
        return reclaimed;
    }

    /// <summary>Anonymous volumes no container uses (label filters apply; until does not, as in docker).</summary>
    private static long Volumes(CliContext cli, ContainerEngine engine, PruneFilter filters)
    {
        var used = engine.Store.All().SelectMany(c => c.Mounts).Where(m => m.Name is not null).Select(m => m.Name!).ToHashSet();
        var removed = new List<string>();
        long reclaimed = 0;
        foreach (var v in engine.Volumes.List())
        {
            if (used.Contains(v.Name) || !v.Labels.ContainsKey("com.docker.volume.anonymous")) continue;
            if (!filters.Matches(filters.Until is null ? null : DateTimeOffset.MinValue, v.Labels)) continue;
            long size = 0;
            try { size = Quai.Fs.TreeWalk.Usage(v.Mountpoint); } catch (IOException) { }
            try { engine.Volumes.Remove(v.Name, []); removed.Add(v.Name); reclaimed += size; } catch (Exception) { }
        }
        if (removed.Count > 0)
        {
            cli.Out.WriteLine("Deleted Volumes:");
            foreach (var r in removed) cli.Out.WriteLine(r);
            cli.Out.WriteLine();
        }
        return reclaimed;
    }

    private static long Images(CliContext cli, ContainerEngine engine, bool all, PruneFilter filters)
    {
        var store = engine.Images;
        var result = store.Prune(all, (img, _) => filters.Matches(img.Created, filters.IsEmpty ? null : Labels(store, img)));
        if (result.Untagged.Count + result.Deleted.Count > 0)
        {
            cli.Out.WriteLine("Deleted Images:");
            foreach (var u in result.Untagged) cli.Out.WriteLine($"untagged: {u}");
            foreach (var d in result.Deleted) cli.Out.WriteLine($"deleted: {d}");
            cli.Out.WriteLine();
        }
        foreach (var d in result.Deleted) Quai.Engine.Events.ImageEvents.Emit(store.Root, "delete", d);
        return result.BytesReclaimed;
    }

    private static IReadOnlyDictionary<string, string>? Labels(Quai.Images.ImageStore store, Quai.Images.Metadata.ImageRecord img)
    {
        try { return Quai.Oci.Image.ImageJson.ParseConfig(store.Content.ReadAll(Quai.Oci.Image.Digest.Parse(img.ConfigDigest)), "config").Config?.Labels; }
        catch (Exception e) when (e is IOException or FormatException or System.Text.Json.JsonException) { return null; }
    }

    private static long BuildCache(CliContext cli, ContainerEngine engine, PruneFilter filters)
    {
        var cache = Quai.Build.Executor.StepCache.For(engine.Images.Root);
        if (cache.Records().Count == 0) return 0;
        var (deleted, reclaimed) = cache.Prune(engine.Images, new Quai.Build.Executor.CachePruneOptions(Until: filters.Until));
        if (deleted.Count > 0)
        {
            cli.Out.WriteLine("Deleted build cache objects:");
            foreach (var d in deleted) cli.Out.WriteLine(d);
            cli.Out.WriteLine();
        }
        return reclaimed;
    }
}
