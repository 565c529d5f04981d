using System.Globalization;
using Quai.Cli.Output;
using Quai.Engine;
using Quai.Engine.Containers;

namespace Quai.Cli.Commands.Sys;

/// <summary><c>system df -v</c>: docker's four sections, every row filled. Images: size, the part shared with other
/// images (layers another image also has, counted once per image), the unique rest, the containers using it.
/// Containers: their writable layer and local volumes. Volumes: the containers using each and its size.</summary>
public static class DiskUsageVerbose
{
    public static void Write(TextWriter o, ContainerEngine engine)
    {
        var store = engine.Images;
        var containers = engine.List();
        var images = store.List().Where(i => !i.Image.BuildStep || i.Tags.Count > 0).ToList();
        var chains = images.ToDictionary(i => i.Image.Id, i => i.Image.TopChain is null ? new List<Quai.Images.Metadata.SnapshotRecord>() : store.Metadata.SnapshotChain(i.Image.TopChain));
        var holders = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var chain in chains.Values)
            foreach (var s in chain) holders[s.Key] = holders.GetValueOrDefault(s.Key) + 1;

        o.WriteLine("Images space usage:");
        o.WriteLine();
        var t = new TableWriter();
        t.AddRow("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "SHARED SIZE", "UNIQUE SIZE", "CONTAINERS");
        foreach (var (img, tags) in images.OrderByDescending(i => i.Image.Created ?? i.Image.Added))
        {
            var chain = chains[img.Id];
            long size = chain.Sum(s => s.Size), shared = chain.Where(s => holders[s.Key] > 1).Sum(s => s.Size);
            var users = containers.Count(c => c.Image == img.Id).ToString(CultureInfo.InvariantCulture);
            var id = Quai.Oci.Image.Digest.Parse(img.Id).Short;
            var names = tags.Count > 0 ? tags.Select(Images.ImageRow.Split).ToList() : new List<(string Repository, string Tag)> { ("<none>", "<none>") };
            foreach (var (repo, tag) in names)
                t.AddRow(repo, tag, id, Units.Ago(img.Created), Units.HumanSize(size), Units.HumanSize(shared), Units.HumanSize(size - shared), users);
        }
        t.WriteTo(o);
        o.WriteLine();

        o.WriteLine("Containers space usage:");
        o.WriteLine();
        t = new TableWriter();
        t.AddRow("CONTAINER ID", "IMAGE", "COMMAND", "LOCAL VOLUMES", "SIZE", "CREATED", "STATUS", "NAMES");
        foreach (var c in containers)
        {
            long rw = 0;
            try { rw = Quai.Engine.Files.ContainerChanges.WritableSize(c); } catch (Exception) { }
            var created = Times.Parse(c.Created) is { } when ? Units.HumanDuration(DateTime.UtcNow - when) + " ago" : "N/A";
            t.AddRow(c.ShortId, c.Config.Image, StatusText.Command(c, true), c.Mounts.Count(m => m.Type == "volume").ToString(CultureInfo.InvariantCulture),
                Units.HumanSize(rw), created, StatusText.For(c, DateTime.UtcNow), c.PlainName);
        }
        t.WriteTo(o);
        o.WriteLine();

        o.WriteLine("Local Volumes space usage:");
        o.WriteLine();
        t = new TableWriter();
        t.AddRow("VOLUME NAME", "LINKS", "SIZE");
        foreach (var v in engine.Volumes.List())
        {
            long size = 0;
            try { size = Quai.Fs.TreeWalk.Usage(v.Mountpoint); } catch (IOException) { }
            var links = containers.Count(c => c.Mounts.Any(m => m.Type == "volume" && m.Name == v.Name));
            t.AddRow(v.Name, links.ToString(CultureInfo.InvariantCulture), Units.HumanSize(size));
        }
        t.WriteTo(o);
        o.WriteLine();
    }
}
