namespace Quai.Build.Syntax;

/// <summary>
/// <c>HEALTHCHECK NONE</c>, or <c>HEALTHCHECK [--interval=…] [--timeout=…] [--start-period=…]
/// [--start-interval=…] [--retries=…] CMD command</c>: the image's health check.
/// </summary>
public sealed record HealthcheckInstruction : Instruction
{
    /// <inheritdoc/>
    public override string Keyword => "HEALTHCHECK";

    /// <summary>
    /// The test as the image config holds it: <c>["NONE"]</c>, <c>["CMD", args…]</c> (exec form)
    /// or <c>["CMD-SHELL", "command"]</c> (shell form).
    /// </summary>
    public required IReadOnlyList<string> Test { get; init; }

    /// <summary>--interval; zero when not given (the default applies).</summary>
    public TimeSpan Interval { get; init; }

    /// <summary>--timeout; zero when not given.</summary>
    public TimeSpan Timeout { get; init; }

    /// <summary>--start-period; zero when not given.</summary>
    public TimeSpan StartPeriod { get; init; }

    /// <summary>--start-interval; zero when not given.</summary>
    public TimeSpan StartInterval { get; init; }

    /// <summary>--retries; zero when not given.</summary>
    public int Retries { get; init; }
}
