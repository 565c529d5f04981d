using System.Text;

namespace Quai.Templates.Docker;

/// <summary>Go's text/tabwriter as docker-cli sets it up (minwidth 10, tabwidth 1, padding 3, padchar ' ', no flags):
/// tab-terminated cells are padded to the widest cell of their column block plus 3, at least 10; the last cell of a
/// line is not part of a column. A column block is a run of consecutive lines that have a cell in that column.</summary>
public sealed class TabWriter(int minWidth = 10, int padding = 3)
{
    private readonly StringBuilder _pending = new();

    public void Write(string text) => _pending.Append(text);

    public string Flush()
    {
        var text = _pending.ToString();
        _pending.Clear();
        var lines = text.Split('\n');
        var cells = lines.Select(l => l.Split('\t')).ToList();
        var widths = cells.Select(c => new int[c.Length]).ToList();
        Format(cells, widths, 0, cells.Count, 0);
        var sb = new StringBuilder();
        for (int i = 0; i < cells.Count; i++)
        {
            var row = cells[i];
            for (int j = 0; j < row.Length; j++)
            {
                sb.Append(row[j]);
                if (j < row.Length - 1) sb.Append(' ', Math.Max(widths[i][j] - Width(row[j]), 0));
            }
            if (i < cells.Count - 1) sb.Append('\n');
        }
        return sb.ToString();
    }

    private static int Width(string s) => s.EnumerateRunes().Count();

    private void Format(List<string[]> cells, List<int[]> widths, int line0, int line1, int column)
    {
        for (int i = line0; i < line1; i++)
        {
            if (column >= cells[i].Length - 1) continue;
            // a block of lines with a cell in this column starts here
            int end = i;
            int width = minWidth;
            while (end < line1 && column < cells[end].Length - 1)
            {
                width = Math.Max(width, Width(cells[end][column]) + padding);
                end++;
            }
            for (int k = i; k < end; k++) widths[k][column] = width;
            Format(cells, widths, i, end, column + 1);
            i = end - 1;
        }
    }
}
