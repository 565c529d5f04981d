using System.CommandLine;
using System.Text;
using Quai.Engine;
using Quai.Engine.Containers;
using Quai.Engine.Logs;
using Quai.Engine.Specs;

namespace Quai.Cli.Commands.Containers;

/// <summary>`logs`: reads the json-file log (rotated files too); -f follows it until the container
/// stops for good.</summary>
public static class LogsCommand
{
    public static Command Create(CliContext cli)
    {
        var follow = new Option<bool>("--follow", "-f") { Description = "Follow log output" };
        var tail = new Option<string?>("--tail", "-n") { Description = "Number of lines to show from the end of the logs (default \"all\")" };
        var since = new Option<string?>("--since") { Description = "Show logs since timestamp or relative (e.g. 42m)" };
        var until = new Option<string?>("--until") { Description = "Show logs before a timestamp or relative (e.g. 42m)" };
        var timestamps = new Option<bool>("--timestamps", "-t") { Description = "Show timestamps" };
        var details = new Option<bool>("--details") { Description = "Show extra details provided to logs" };
        var target = new Argument<string>("CONTAINER");
        var cmd = new Command("logs", "Fetch the logs of a container") { follow, tail, since, until, timestamps, details, target };
        cmd.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            var c = engine.Inspect(p.GetValue(target)!);
            var now = DateTime.UtcNow;
            DateTime? from = p.GetValue(since) is { } s ? Units.ParseTimestamp(s, now) : null;
            DateTime? to = p.GetValue(until) is { } u ? Units.ParseTimestamp(u, now) : null;
            var tailText = p.GetValue(tail) ?? "all";
            int tailN = -1;
            if (tailText != "all" && (!int.TryParse(tailText, out tailN))) tailN = -1;
            var ts = p.GetValue(timestamps);
            using var stdout = Console.OpenStandardOutput();
            using var stderr = Console.OpenStandardError();
            void Emit(LogEntry e)
            {
                var time = Times.Parse(e.Time);
                if (from is { } f && time < f) return;
                if (to is { } t && time > t) return;
                var text = ts ? e.Time + " " + e.Log : e.Log;
                var bytes = Encoding.UTF8.GetBytes(text);
                (e.Stream == "stderr" ? stderr : stdout).Write(bytes);
            }
            var entries = JsonFileLogReader.ReadAll(c.LogPath).ToList();
            var start = tailN >= 0 ? Math.Max(0, entries.Count - tailN) : 0;
            for (var i = start; i < entries.Count; i++) Emit(entries[i]);
            stdout.Flush();
            stderr.Flush();
            if (!p.GetValue(follow)) return 0;
            Follow(engine, c, entries.Count, Emit, stdout, stderr, to);
            return 0;
        }));
        return cmd;
    }

    /// <summary>Polls the current log file from where the full read ended; reopens on rotation.</summary>
    private static void Follow(ContainerEngine engine, Container c, int alreadyRead, Action<LogEntry> emit, Stream stdout, Stream stderr, DateTime? until)
    {
        // position: skip the entries of the current file that were already printed
        long pos = 0;
        var rotatedEntries = JsonFileLogReader.Files(c.LogPath).Where(f => f != c.LogPath).Sum(f => File.ReadLines(f).Count());
        var skip = alreadyRead - rotatedEntries;
        var partial = new StringBuilder();
        // simpler and exact: count bytes of the first `skip` lines
        pos = ByteOffsetOfLine(c.LogPath, skip);
        var inode = Inode(c.LogPath);
        var idleAfterStop = 0;
        while (true)
        {
            var got = false;
            if (File.Exists(c.LogPath))
            {
                var ino = Inode(c.LogPath);
                if (ino != inode || new FileInfo(c.LogPath).Length < pos) { pos = 0; inode = ino; }
                using var fs = new FileStream(c.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                fs.Position = pos;
                var buf = new byte[65536];
                int read;
                while ((read = fs.Read(buf)) > 0)
                {
                    got = true;
                    pos += read;
                    partial.Append(Encoding.UTF8.GetString(buf, 0, read));
                    var text = partial.ToString();
                    var last = text.LastIndexOf('\n');
                    if (last < 0) continue;
                    foreach (var line in text[..last].Split('\n'))
                        if (JsonFileLogReader.Parse(line) is { } e) emit(e);
                    partial.Clear().Append(text[(last + 1)..]);
                }
                stdout.Flush();
                stderr.Flush();
            }
            if (until is { } u && DateTime.UtcNow > u) return;
            if (!got)
            {
                var state = engine.Store.TryLoad(c.Id);
                if (state is null) return;
                if (!ContainerEngine.IsActive(engine.Refresh(state).State) && !engine.MonitorAlive(state))
                {
                    if (++idleAfterStop > 2) return;
                }
                Thread.Sleep(50);
            }
        }
    }

    private static long ByteOffsetOfLine(string path, int lines)
    {
        if (lines <= 0 || !File.Exists(path)) return 0;
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        long pos = 0;
        var n = 0;
        int b;
        while (n < lines && (b = fs.ReadByte()) >= 0)
        {
            pos++;
            if (b == '\n') n++;
        }
        return pos;
    }

    private static ulong Inode(string path) =>
        Quai.Interop.Libc.FstatAt(-100, path, out var st, 0) == 0 ? st.Ino : 0;
}
