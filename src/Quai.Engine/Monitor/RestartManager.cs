namespace Quai.Engine.Monitor;

/// <summary>Docker's restart policies as a small state machine: whether to restart after an exit,
/// and after which delay (100 ms, doubling on each restart, at most one minute; back to 100 ms
/// when the container had run for 10 s or more). A stop by the user is never undone.</summary>
public sealed class RestartManager(string policy, int maximumRetryCount)
{
    public static readonly TimeSpan InitialBackoff = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan ResetAfter = TimeSpan.FromSeconds(10);

    public string Policy { get; } = policy;
    public int MaximumRetryCount { get; } = maximumRetryCount;
    public TimeSpan Backoff { get; private set; } = TimeSpan.Zero;

    public static void Validate(string policy, int max)
    {
        if (policy is not ("no" or "always" or "unless-stopped" or "on-failure" or ""))
            throw new Containers.EngineUsageException($"invalid restart policy '{policy}'");
        if (max != 0 && policy != "on-failure")
            throw new Containers.EngineUsageException($"maximum retry count cannot be used with restart policy '{policy}'");
        if (max < 0) throw new Containers.EngineUsageException("invalid restart policy: maximum retry count cannot be negative");
    }

    /// <summary>Parses --restart (no, always, unless-stopped, on-failure[:N]).</summary>
    public static (string Name, int Max) Parse(string value)
    {
        var parts = value.Split(':', 2);
        var max = 0;
        if (parts.Length == 2 && !int.TryParse(parts[1], out max))
            throw new Containers.EngineUsageException($"invalid restart policy format: maximum retry count must be an integer");
        var name = parts[0] == "" ? "no" : parts[0];
        Validate(name, max);
        return (name, max);
    }

    /// <summary>Decides after an exit; returns the delay before restarting, or null to stay down.</summary>
    public TimeSpan? ShouldRestart(int exitCode, bool stoppedByUser, int restartCount, TimeSpan ranFor)
    {
        if (stoppedByUser) return null;
        var restart = Policy switch
        {
            "always" or "unless-stopped" => true,
            "on-failure" => exitCode != 0 && (MaximumRetryCount == 0 || restartCount < MaximumRetryCount),
            _ => false,
        };
        if (!restart) return null;
        if (ranFor >= ResetAfter) Backoff = TimeSpan.Zero;
        Backoff = Backoff == TimeSpan.Zero ? InitialBackoff : TimeSpan.FromTicks(Math.Min(Backoff.Ticks * 2, MaxBackoff.Ticks));
        return Backoff;
    }
}
