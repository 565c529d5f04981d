using Quai.Engine.Containers;
using Quai.Engine.Monitor;

namespace Quai.Engine.Tests;

public class RestartManagerTests
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(1);

    [Fact]
    public void No_NeverRestarts()
    {
        Assert.Null(new RestartManager("no", 0).ShouldRestart(1, false, 0, Short));
    }

    [Fact]
    public void OnFailure_RestartsOnlyOnNonZero_UpToMax()
    {
        var m = new RestartManager("on-failure", 3);
        Assert.Null(m.ShouldRestart(0, false, 0, Short));
        Assert.NotNull(m.ShouldRestart(1, false, 0, Short));
        Assert.NotNull(m.ShouldRestart(1, false, 2, Short));
        Assert.Null(m.ShouldRestart(1, false, 3, Short));
    }

    [Fact]
    public void Backoff_Doubles_AndIsCapped()
    {
        var m = new RestartManager("always", 0);
        var delays = Enumerable.Range(0, 12).Select(i => m.ShouldRestart(0, false, i, Short)!.Value.TotalMilliseconds).ToList();
        Assert.Equal([100, 200, 400, 800, 1600], delays.Take(5));
        Assert.Equal(60_000, delays[^1]);
    }

    [Fact]
    public void Backoff_ResetsAfterALongRun()
    {
        var m = new RestartManager("always", 0);
        m.ShouldRestart(0, false, 0, Short);
        m.ShouldRestart(0, false, 1, Short);
        Assert.Equal(100, m.ShouldRestart(0, false, 2, TimeSpan.FromSeconds(11))!.Value.TotalMilliseconds);
    }

    [Theory]
    [InlineData("always")]
    [InlineData("unless-stopped")]
    [InlineData("on-failure")]
    public void UserStop_IsNeverUndone(string policy)
    {
        Assert.Null(new RestartManager(policy, 0).ShouldRestart(137, true, 0, Short));
    }

    [Theory]
    [InlineData("on-failure:5", "on-failure", 5)]
    [InlineData("always", "always", 0)]
    [InlineData("", "no", 0)]
    public void Parse_Valid(string text, string name, int max)
    {
        Assert.Equal((name, max), RestartManager.Parse(text));
    }

    [Theory]
    [InlineData("sometimes")]
    [InlineData("always:3")]
    [InlineData("on-failure:x")]
    [InlineData("on-failure:-1")]
    public void Parse_Invalid(string text)
    {
        Assert.Throws<EngineUsageException>(() => RestartManager.Parse(text));
    }
}
