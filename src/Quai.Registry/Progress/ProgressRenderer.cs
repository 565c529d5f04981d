using System.Globalization;

namespace Quai.Registry.Progress;

/// <summary>Shows a pull's or push's progress the way the docker CLI does (its jsonmessage display): on a terminal
/// one line per id, rewritten in place with a 50-column bar and sizes; otherwise one plain line per status change,
/// byte counts left out. Thread-safe.</summary>
public sealed class ProgressRenderer(TextWriter output, bool terminal) : IProgressSink
{
    private readonly List<string> _ids = [];
    private readonly Lock _lock = new();

    /// <summary>For the process's stdout (or stderr, where <c>run</c> shows its pull): a terminal unless redirected.</summary>
    public static ProgressRenderer ForConsole(TextWriter output, bool stderr = false) => new(output, !(stderr ? Console.IsErrorRedirected : Console.IsOutputRedirected));

    public void Report(ProgressEvent e)
    {
        lock (_lock)
        {
            if (!terminal)
            {
                if (e.IsProgress) return;
                output.WriteLine(e.Id is null ? e.Status : $"{e.Id}: {e.Status}");
                output.Flush();
                return;
            }
            var text = (e.Id is null ? "" : e.Id + ": ") + e.Status + (e.IsProgress ? " " + Bar(e.Current!.Value, e.Total ?? 0) : "");
            if (e.Id is null)
            {
                output.Write(text + "\n");
                _ids.Clear(); // lines above a message without id are no longer rewritten (docker does the same)
            }
            else
            {
                int at = _ids.IndexOf(e.Id);
                if (at < 0)
                {
                    _ids.Add(e.Id);
                    output.Write(text + "\n");
                }
                else
                {
                    int up = _ids.Count - at;
                    output.Write($"\x1b[{up}A\x1b[2K\r{text}\x1b[{up}B\r");
                }
            }
            output.Flush();
        }
    }

    /// <summary><c>[=====>      ]  1.049MB/10.5MB</c> (docker's Progress.String without the time left).</summary>
    public static string Bar(long current, long total)
    {
        if (total <= 0) return $"{Size(current),8}";
        var filled = (int)Math.Min(50, current * 100 / total / 2);
        var bar = $"[{new string('=', filled)}>{new string(' ', Math.Max(0, 50 - filled))}] ";
        return current > total ? bar : bar + $"{Size(current),8}/{Size(total)}";
    }

    /// <summary>go-units HumanSize: 4 significant digits, decimal units.</summary>
    public static string Size(double size)
    {
        string[] units = ["B", "kB", "MB", "GB", "TB", "PB"];
        int i = 0;
        while (size >= 1000 && i < units.Length - 1) { size /= 1000; i++; }
        return size.ToString("G4", CultureInfo.InvariantCulture) + units[i];
    }
}
