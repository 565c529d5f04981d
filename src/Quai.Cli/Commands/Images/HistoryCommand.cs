using System.CommandLine;
using Quai.Cli.Output;
using Quai.Oci.Image;

namespace Quai.Cli.Commands.Images;

/// <summary><c>history</c>: IMAGE CREATED CREATED BY SIZE COMMENT, newest first.</summary>
public static class HistoryCommand
{
    public static Command Create(CliContext cli, string name)
    {
        var noTrunc = new Option<bool>("--no-trunc") { Description = "Don't truncate output" };
        var human = new Option<bool>("--human", "-H") { Description = "Print sizes and dates in human readable format", DefaultValueFactory = _ => true };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Only show image IDs" };
        var image = new Argument<string>("IMAGE");
        var cmd = new Command(name, "Show the history of an image") { noTrunc, human, quiet, image };
        cmd.SetAction(p => cli.Run(p, store =>
        {
            var resolved = store.Resolve(p.GetValue(image)!);
            bool nt = p.GetValue(noTrunc), h = p.GetValue(human);
            var sizes = store.LayerSizes(resolved.Record);
            var history = resolved.Config.History ?? [];
            if (history.Count == 0)
                history = resolved.Config.RootFs.DiffIds.Select(_ => new HistoryEntry()).ToList();
            var rows = new List<string[]>();
            int layer = 0;
            foreach (var entry in history)
            {
                long size = entry.EmptyLayer == true ? 0 : layer < sizes.Count ? sizes[layer++] : 0;
                rows.Add(["<missing>", h ? Units.Ago(entry.Created) : Units.Rfc3339(entry.Created),
                    Trunc(entry.CreatedBy ?? "", nt), h ? Units.HumanSize(size) : size.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    entry.Comment ?? ""]);
            }
            rows.Reverse();
            if (rows.Count > 0) rows[0][0] = nt ? resolved.Id : Digest.Parse(resolved.Id).Short;
            if (p.GetValue(quiet))
            {
                foreach (var r in rows) cli.Out.WriteLine(r[0]);
                return 0;
            }
            var table = new TableWriter();
            table.AddRow("IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT");
            foreach (var r in rows) table.AddRow(r);
            table.WriteTo(cli.Out);
            return 0;
        }));
        return cmd;
    }

    private static string Trunc(string s, bool noTrunc)
    {
        s = s.Replace('\t', ' ').Replace('\n', ' ');
        return noTrunc || s.Length <= 45 ? s : s[..44] + "…";
    }
}
