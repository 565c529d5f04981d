using Quai.Build.Executor;

namespace Quai.Build.Tests;

/// <summary>The progress formats against BuildKit's: plain lines and the live view, on a clock the test moves.</summary>
public sealed class BuildProgressTests
{
    private sealed class Clock : TimeProvider
    {
        public long Now;
        public override long TimestampFrequency => 1000; // milliseconds
        public override long GetTimestamp() => Now;
    }

    [Fact]
    public void Plain_prints_buildkit_lines_numbered_timed_and_separated_by_blank_lines()
    {
        var clock = new Clock();
        var w = new StringWriter { NewLine = "\n" };
        var p = BuildProgress.Plain(w, clock);
        var from = p.Start("stage-0", 1, 3, "FROM bb");
        p.Done(from);
        var copy = p.Start("stage-0", 2, 3, "COPY a /a");
        p.Cached(copy);
        var run = p.Start("stage-0", 3, 3, "RUN echo hi");
        clock.Now = 123;
        p.Output(run, "hi\npart");
        clock.Now = 250;
        p.Output(run, "ial\n");
        clock.Now = 400;
        p.Done(run);
        Assert.Equal("""
            #1 [stage-0 1/3] FROM bb
            #1 DONE 0.0s

            #2 [stage-0 2/3] COPY a /a
            #2 CACHED

            #3 [stage-0 3/3] RUN echo hi
            #3 0.123 hi
            #3 0.250 partial
            #3 DONE 0.4s

            """, w.ToString());
        Assert.True(w.ToString().Split('\n').Count(l => l.Trim().EndsWith("CACHED", StringComparison.Ordinal)) == 1);
    }

    [Fact]
    public void A_failure_marks_the_running_steps_and_flushes_a_partial_line()
    {
        var clock = new Clock();
        var w = new StringWriter { NewLine = "\n" };
        var p = BuildProgress.Plain(w, clock);
        var run = p.Start(null, 2, 2, "RUN exit 3");
        clock.Now = 50;
        p.Output(run, "no newline");
        p.FailRunning("process \"/bin/sh -c exit 3\" did not complete successfully: exit code: 3");
        p.FailRunning("again"); // a finished step is not failed twice
        Assert.Equal("""
            #1 [2/2] RUN exit 3
            #1 0.050 no newline
            #1 ERROR: process "/bin/sh -c exit 3" did not complete successfully: exit code: 3

            """, w.ToString());
    }

    [Theory]
    [InlineData(null, 3, 10, "RUN x", "[ 3/10] RUN x")]
    [InlineData("builder", 1, 2, "FROM bb", "[builder 1/2] FROM bb")]
    [InlineData(null, 2, 2, "RUN a \\\n  && b", "[2/2] RUN a && b")]
    public void Step_names_are_buildkits(string? stage, int i, int n, string text, string expected)
        => Assert.Equal(expected, BuildProgress.StepName(stage, i, n, text));

    [Fact]
    public void The_live_view_shows_times_cached_marks_and_the_tail_of_running_output_then_redraws_in_place()
    {
        var clock = new Clock();
        var w = new StringWriter { NewLine = "\n" };
        var p = new TtyProgress(w, 60, 20, clock, autoRefresh: false);
        var a = p.Start(null, 1, 3, "FROM bb");
        p.Done(a);
        var b = p.Start(null, 2, 3, "COPY a /a");
        p.Cached(b);
        var c = p.Start(null, 3, 3, "RUN make");
        p.Output(c, "compiling \x1b[31mred\x1b[0m\n");
        clock.Now = 1500;
        var frame = p.Frame();
        Assert.Equal("[+] Building 1.5s (2/3)", frame[0]);
        Assert.Equal(" => [1/3] FROM bb", frame[1].TrimEnd()[..^5].TrimEnd());
        Assert.EndsWith(" 0.0s", frame[1]);
        Assert.StartsWith(" => CACHED [2/3] COPY a /a", frame[2]);
        Assert.StartsWith(" => [3/3] RUN make", frame[3]);
        Assert.EndsWith(" 1.5s", frame[3]);
        Assert.Equal(" => => # compiling ?[31mred?[0m", frame[4]); // the build's escapes cannot move our cursor
        Assert.All(frame, l => Assert.True(l.Length < 60, l));
        p.Done(c);
        p.Dispose();
        var text = w.ToString();
        Assert.Contains("\x1b[4F", text);  // a redraw moves up over the last frame
        Assert.Contains("(3/3) FINISHED", text);
    }

    [Fact]
    public void Auto_is_plain_unless_on_a_terminal_that_is_not_dumb()
    {
        var w = new StringWriter();
        Assert.IsType<PlainProgress>(BuildProgress.Create("auto", w, isTerminal: false, term: "xterm"));
        Assert.IsType<PlainProgress>(BuildProgress.Create("tty", w, isTerminal: true, term: "dumb"));
        using var tty = BuildProgress.Create("auto", w, isTerminal: true, term: "xterm");
        Assert.IsType<TtyProgress>(tty);
        Assert.Throws<ArgumentException>(() => BuildProgress.Create("fancy", w, true, "xterm"));
    }
}
