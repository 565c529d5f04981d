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
        var format = new Option<string?>("--format") { Description = "Format output using a custom template ('table', 'table TEMPLATE', 'json', 'TEMPLATE')" };
        var cmd = new Command(name, "Show the history of an image") { noTrunc, human, quiet, format, image };
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
                    entry.Comment ?? "", Units.Rfc3339(entry.Created)]);
            }
            rows.Reverse();
            if (rows.Count > 0) rows[0][0] = nt ? resolved.Id : Digest.Parse(resolved.Id).Short;
            if (p.GetValue(quiet))
            {
                foreach (var r in rows) cli.Out.WriteLine(r[0]);
                return 0;
            }
            TemplateOutput.WriteList(cli.Out, p.GetValue(format), "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}",
                rows.Select(r => (object?)TemplateOutput.Row("*image.historyContext", TemplateOutput.ToElement(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("Comment", r[4]);
                    w.WriteString("CreatedAt", r[5]);
                    w.WriteString("CreatedBy", r[2]);
                    w.WriteString("CreatedSince", r[1]);
                    w.WriteString("ID", r[0]);
                    w.WriteString("Size", r[3]);
                    w.WriteEndObject();
                }))), Headers);
            return 0;
        }));
        return cmd;
    }

    private static readonly Dictionary<string, string> Headers = new()
    {
        ["ID"] = "IMAGE", ["CreatedSince"] = "CREATED", ["CreatedAt"] = "CREATED AT", ["CreatedBy"] = "CREATED BY", ["Size"] = "SIZE", ["Comment"] = "COMMENT",
    };

    private static string Trunc(string s, bool noTrunc)
    {
        s = s.Replace('\t', ' ').Replace('\n', ' ');
        return noTrunc || s.Length <= 45 ? s : s[..44] + "…";
    }
}
