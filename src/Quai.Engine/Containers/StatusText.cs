namespace Quai.Engine.Containers;

/// <summary>Docker's human-readable container status ("Up 5 seconds (healthy)", "Exited (0) 2
/// minutes ago"), as `ps` and the API's container list show it.</summary>
public static class StatusText
{
    public static string For(Container c, DateTime now)
    {
        var s = c.State;
        string Ago(string t) => Times.Parse(t) is { } d ? HumanDuration(now - d) : "";
        var health = s.Health is { } h && s.Running ? h.Status switch { "starting" => " (health: starting)", var x => $" ({x})" } : "";
        return s.Status switch
        {
            "running" => $"Up {Ago(s.StartedAt)}{health}",
            "paused" => $"Up {Ago(s.StartedAt)} (Paused)",
            "restarting" => $"Restarting ({s.ExitCode}) {Ago(s.FinishedAt)} ago",
            "exited" => $"Exited ({s.ExitCode}) {Ago(s.FinishedAt)} ago",
            "removing" => "Removal In Progress",
            "dead" => "Dead",
            _ => "Created",
        };
    }

    /// <summary>go-units HumanDuration.</summary>
    public static string HumanDuration(TimeSpan d)
    {
        var seconds = (long)d.TotalSeconds;
        if (seconds < 1) return "Less than a second";
        if (seconds == 1) return "1 second";
        if (seconds < 60) return $"{seconds} seconds";
        var minutes = (long)d.TotalMinutes;
        if (minutes == 1) return "About a minute";
        if (minutes < 60) return $"{minutes} minutes";
        var hours = (long)Math.Round(d.TotalHours);
        if (hours == 1) return "About an hour";
        if (hours < 48) return $"{hours} hours";
        if (hours < 24 * 7 * 2) return $"{hours / 24} days";
        if (hours < 24 * 30 * 2) return $"{hours / 24 / 7} weeks";
        if (hours < 24 * 365 * 2) return $"{hours / 24 / 30} months";
        return $"{(long)d.TotalHours / 24 / 365} years";
    }

    /// <summary>The COMMAND column: the command line in quotes, cut to 20 characters with "…".</summary>
    public static string Command(Container c, bool truncate)
    {
        // moby wraps an argument with a space in single quotes; docker-cli truncates, then strconv.Quote's it
        var command = string.Join(' ', new[] { c.Path }.Concat(c.Args.Select(a => a.Contains(' ') ? "'" + a + "'" : a)));
        if (truncate && command.Length > 20) command = command[..19] + "…";
        return "\"" + command.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
    }
}
