using Quai.Engine.Containers;

namespace Quai.Engine.Tests;

public class FormatTests
{
    private static readonly DateTime Now = new(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);

    private static Container With(string status, int exit = 0, TimeSpan? ago = null, string? health = null) => new()
    {
        Id = new string('b', 64), Path = "sh", Args = ["-c", "echo hello; sleep 1000"],
        State = new ContainerState
        {
            Status = status, Running = status is "running" or "paused", ExitCode = exit,
            StartedAt = Times.Format(Now - (ago ?? TimeSpan.Zero)), FinishedAt = Times.Format(Now - (ago ?? TimeSpan.Zero)),
            Health = health is null ? null : new HealthState { Status = health },
        },
    };

    [Theory]
    [InlineData("running", 0, 5, null, "Up 5 seconds")]
    [InlineData("running", 0, 0, "starting", "Up Less than a second (health: starting)")]
    [InlineData("running", 0, 90, "healthy", "Up About a minute (healthy)")]
    [InlineData("running", 0, 600, "unhealthy", "Up 10 minutes (unhealthy)")]
    [InlineData("paused", 0, 7200, null, "Up 2 hours (Paused)")]
    [InlineData("exited", 137, 1, null, "Exited (137) 1 second ago")]
    [InlineData("restarting", 3, 3, null, "Restarting (3) 3 seconds ago")]
    [InlineData("created", 0, 0, null, "Created")]
    public void Status_LikeDocker(string status, int exit, int secondsAgo, string? health, string expected) =>
        Assert.Equal(expected, StatusText.For(With(status, exit, TimeSpan.FromSeconds(secondsAgo), health), Now));

    [Theory]
    [InlineData(0.5, "Less than a second")]
    [InlineData(59, "59 seconds")]
    [InlineData(3600, "About an hour")]
    [InlineData(3 * 86400, "3 days")]
    [InlineData(21 * 86400, "3 weeks")]
    [InlineData(90 * 86400, "3 months")]
    [InlineData(3 * 365 * 86400, "3 years")]
    public void HumanDuration(double seconds, string expected) =>
        Assert.Equal(expected, StatusText.HumanDuration(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Command_QuotedAndTruncated()
    {
        Assert.Equal("\"sh -c 'echo hello; …\"", StatusText.Command(With("running"), truncate: true));
        Assert.Equal("\"sh -c 'echo hello; sleep 1000'\"", StatusText.Command(With("running"), truncate: false));
    }

    [Fact]
    public void Times_RoundTrip_AndZero()
    {
        Assert.Null(Times.Parse(Times.Zero));
        Assert.Equal(Now, Times.Parse(Times.Format(Now)));
        Assert.EndsWith("Z", Times.Format(Now));
    }
}
