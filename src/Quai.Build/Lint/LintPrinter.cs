using System.Globalization;

namespace Quai.Build.Lint;

/// <summary>
/// Prints a <see cref="LintReport"/> as <c>docker build --check</c> does: <c>Check complete, N warnings
/// have been found!</c>, then per finding <c>WARNING: Rule - URL</c>, the message, <c>Dockerfile:LINE</c>
/// and the source lines around it (BuildKit's snippet, <c>&gt;&gt;&gt;</c> on the lines concerned), and
/// Quai's fix hint.
/// </summary>
public static class LintPrinter
{
    /// <summary>The summary and the warnings (buildx writes them to stdout).</summary>
    public static void PrintWarnings(LintReport report, TextWriter w)
    {
        int n = report.Findings.Count;
        if (n == 0)
        {
            w.Write("Check complete, no warnings found.\n");
            return;
        }
        w.Write(n == 1 ? "Check complete, 1 warning has been found!\n" : $"Check complete, {n} warnings have been found!\n");
        foreach (var finding in report.Findings)
        {
            w.Write("\nWARNING: " + finding.Rule.Name);
            if (finding.Rule.Url is { } url) w.Write(" - " + url);
            w.Write("\n" + finding.Message + "\n");
            if (finding.StartLine > 0) Source(w, report.FileName, report.Text, finding.StartLine, finding.EndLine);
            w.Write("Fix: " + finding.Rule.FixHint + "\n");
        }
    }

    /// <summary>
    /// With error=true, the error buildx fails with, after the warnings: <c>lint violation found for
    /// rules: …</c> and the <c># check</c> directive's line. Nothing when there is no error.
    /// </summary>
    public static void PrintError(LintReport report, TextWriter w)
    {
        if (report.Error is not { } error) return;
        w.Write("ERROR: " + error + "\n");
        if (report.OptionsLine > 0) Source(w, report.FileName, report.Text, report.OptionsLine, report.OptionsLine);
    }

    /// <summary>BuildKit's source snippet: the lines concerned padded with up to 4 (one line) or 2 lines of context.</summary>
    public static void Source(TextWriter w, string file, string text, int start, int end)
    {
        var lines = text.Split('\n');
        if (start < 1 || start > lines.Length) return;
        end = Math.Min(Math.Max(end, start), lines.Length);
        int first = start, last = end, pad = start == end ? 4 : 2, p = 0;
        while (p < pad)
        {
            if (first > 1) { first--; p++; }
            if (last != lines.Length) { last++; p++; }
            p++;
        }
        w.Write($"{file}:{start}\n--------------------\n");
        for (int i = first; i <= last; i++)
        {
            string marker = i >= start && i <= end ? ">>>" : "   ";
            w.Write(string.Create(CultureInfo.InvariantCulture, $" {i,3} | {marker} {lines[i - 1].TrimEnd('\r')}\n"));
        }
        w.Write("--------------------\n");
    }
}
