using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Quai.Cli.Commands.Containers;
using Quai.Engine.Events;
using Quai.Templates.Values;

namespace Quai.Cli.Commands.Sys;

/// <summary><c>quai events</c>: the store's events journal (<see cref="EventJournal"/>). With --since/--until the
/// past events in that window first; then, unless --until is already past, new events as they are appended,
/// until --until or an interrupt. Docker's default line, <c>--format json</c> and Go templates over
/// docker's <c>events.Message</c>.</summary>
public static class EventsCommand
{
    public static Command Create(CliContext cli)
    {
        var since = new Option<string?>("--since") { Description = "Show all events created since timestamp" };
        var until = new Option<string?>("--until") { Description = "Stream events until this timestamp" };
        var filter = new Option<string[]>("--filter", "-f") { Description = "Filter output based on conditions provided", AllowMultipleArgumentsPerToken = false };
        var format = new Option<string?>("--format") { Description = "Format output using a custom template ('json', 'TEMPLATE')" };
        var cmd = new Command("events", "Get real time events from the server") { since, until, filter, format };
        cmd.SetAction(p => EngineCli.Run(cli, p, engine =>
        {
            var now = DateTimeOffset.Now;
            DateTimeOffset? from = p.GetValue(since) is { } s ? DockerTime.Parse(s, now) : null;
            DateTimeOffset? to = p.GetValue(until) is { } u ? DockerTime.Parse(u, now) : null;
            if (from is { } a && to is { } b && b < a) throw new UsageException("`since` time is after `until` time");
            var filters = EventFilter.Parse(p.GetValue(filter) ?? []);
            var print = Printer(cli, p.GetValue(format));
            var journal = engine.Events;
            var position = journal.Position();
            if (from is not null || to is not null)
            {
                var lo = from is { } f ? DockerTime.UnixNanos(f) : long.MinValue;
                var hi = to is { } t ? DockerTime.UnixNanos(t) : long.MaxValue;
                foreach (var e in journal.ReadUpTo(position))
                    if (e.TimeNano >= lo && e.TimeNano <= hi && filters.Matches(e)) print(e);
                cli.Out.Flush();
            }
            if (to is { } end && end <= DateTimeOffset.Now) return 0;
            using var cts = new CancellationTokenSource();
            if (to is { } stop) cts.CancelAfter(stop - DateTimeOffset.Now);
            using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; cts.Cancel(); });
            using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cts.Cancel(); });
            var hiFollow = to is { } t2 ? DockerTime.UnixNanos(t2) : long.MaxValue;
            foreach (var e in journal.Follow(cts.Token, position))
            {
                if (e.TimeNano > hiFollow) break;
                if (!filters.Matches(e)) continue;
                print(e);
                cli.Out.Flush();
            }
            return 0;
        }));
        return cmd;
    }

    private static readonly JsonShape Shape = new()
    {
        Maps = ["Actor.Attributes"],
        StringMaps = ["Actor.Attributes"],
        GoNames = new() { ["scope"] = "Scope", ["time"] = "Time", ["timeNano"] = "TimeNano" },
        Types = new() { [""] = "events.Message", ["Actor"] = "events.Actor" },
    };

    private static Action<EngineEvent> Printer(CliContext cli, string? format)
    {
        if (format is null or "") return e => cli.Out.WriteLine(DefaultLine(e, TimeZoneInfo.Local));
        if (format == "json") return e => cli.Out.WriteLine(e.ToJson());
        Quai.Templates.Template t;
        try { t = Quai.Templates.Template.Parse(format); }
        catch (Quai.Templates.Exec.TemplateException e) { throw new Output.TemplateOutputException("template parsing error: " + e.Message, 1); }
        return e =>
        {
            using var doc = JsonDocument.Parse(e.ToJson());
            try { cli.Out.WriteLine(t.Execute(JsonValues.Typed(doc.RootElement, Shape))); }
            catch (Quai.Templates.Exec.TemplateException x) { throw new Output.TemplateOutputException(x.Message, 1); }
        };
    }

    /// <summary>docker's line: the time in RFC3339 with 9 fraction digits (local zone), type, action, actor ID and
    /// the attributes sorted by key: <c>2024-05-01T10:00:00.123456789Z container start 3f2a… (image=bb, name=web)</c>.</summary>
    public static string DefaultLine(EngineEvent e, TimeZoneInfo zone)
    {
        var t = TimeZoneInfo.ConvertTime(e.Timestamp, zone);
        var nanos = ((e.TimeNano % 1_000_000_000) + 1_000_000_000) % 1_000_000_000;
        var offset = t.Offset == TimeSpan.Zero ? "Z" : (t.Offset < TimeSpan.Zero ? "-" : "+") + t.Offset.ToString("hh\\:mm", CultureInfo.InvariantCulture);
        var line = $"{t.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture)}.{nanos:D9}{offset} {e.Type} {e.Action} {e.ActorId}";
        if (e.Attributes.Count > 0)
            line += " (" + string.Join(", ", e.Attributes.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + kv.Value)) + ")";
        return line;
    }
}
