using System.Text;

namespace Quai.Build.Syntax;

/// <summary>
/// One line of CSV as Go's encoding/csv reads it with its defaults (comma-separated, "double quotes",
/// "" for a quote, no lazy quotes): the syntax of --mount and --device values.
/// </summary>
internal static class CsvFields
{
    /// <summary>The fields; throws "failed to parse csv {what}: ..." as BuildKit does.</summary>
    public static List<string> Parse(string line, string what)
    {
        if (line.EndsWith('\n')) line = line.EndsWith("\r\n", StringComparison.Ordinal) ? line[..^2] : line[..^1];
        if (line.Length == 0) throw new SyntaxError($"failed to parse csv {what}: EOF");

        var fields = new List<string>();
        int pos = 0;
        while (true)
        {
            if (pos >= line.Length || line[pos] != '"')
            {
                int comma = line.IndexOf(',', pos);
                string field = comma >= 0 ? line[pos..comma] : line[pos..];
                int quote = field.IndexOf('"');
                if (quote >= 0) throw Error(what, line, pos + quote, "bare \" in non-quoted-field");
                fields.Add(field);
                if (comma < 0) return fields;
                pos = comma + 1;
                continue;
            }

            pos++; // opening quote
            var value = new StringBuilder();
            while (true)
            {
                int quote = line.IndexOf('"', pos);
                if (quote < 0) throw Error(what, line, pos, "extraneous or missing \" in quoted-field");
                value.Append(line, pos, quote - pos);
                pos = quote + 1;
                if (pos < line.Length && line[pos] == '"')
                {
                    value.Append('"');
                    pos++;
                    continue;
                }
                if (pos < line.Length && line[pos] == ',')
                {
                    fields.Add(value.ToString());
                    pos++;
                    break;
                }
                if (pos >= line.Length)
                {
                    fields.Add(value.ToString());
                    return fields;
                }
                throw Error(what, line, pos - 1, "extraneous or missing \" in quoted-field");
            }
        }
    }

    private static SyntaxError Error(string what, string line, int charIndex, string reason)
    {
        int column = Encoding.UTF8.GetByteCount(line.AsSpan(0, charIndex)) + 1;
        return new SyntaxError($"failed to parse csv {what}: parse error on line 1, column {column}: {reason}");
    }
}
