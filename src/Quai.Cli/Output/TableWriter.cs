using System.Text;

namespace Quai.Cli.Output;

/// <summary>Aligns tab-separated cells like Go's text/tabwriter with Docker's settings
/// (minwidth 10, padding 3): every column but the last is as wide as its widest cell plus 3, at least 10.</summary>
public sealed class TableWriter
{
    private readonly List<string[]> _rows = [];

    public void AddRow(params string[] cells) => _rows.Add(cells);

    public void AddLine(string tabSeparated) => _rows.Add(tabSeparated.Split('\t'));

    public void WriteTo(TextWriter w)
    {
        int columns = _rows.Count == 0 ? 0 : _rows.Max(r => r.Length);
        var widths = new int[columns];
        foreach (var r in _rows)
            for (int i = 0; i < r.Length - 1; i++) widths[i] = Math.Max(widths[i], Math.Max(r[i].Length + 3, 10));
        var sb = new StringBuilder();
        foreach (var r in _rows)
        {
            sb.Clear();
            for (int i = 0; i < r.Length; i++)
            {
                sb.Append(r[i]);
                if (i < r.Length - 1) sb.Append(' ', widths[i] - r[i].Length);
            }
            w.WriteLine(sb.ToString().TrimEnd());
        }
    }
}
