using System.Globalization;
using System.Text;

namespace Quai.Build.Executor;

/// <summary>One vertex of a build's progress, as BuildKit numbers them (<c>#N</c>): a Dockerfile step, or an
/// internal one (loading the definition, exporting). Its state is read and written under the progress' lock.</summary>
public sealed class ProgressStep
{
    internal ProgressStep(int number, string name, long started) { Number = number; Name = name; Started = started; }
    public int Number { get; }
    /// <summary>What BuildKit prints for it: <c>[stage 2/5] RUN make</c>, <c>[internal] load …</c>.</summary>
    public string Name { get; }
    internal long Started;
    internal long? Ended;
    public bool IsCached { get; internal set; }
    public string? Error { get; internal set; }
    public bool IsDone => Ended is not null;
    internal readonly StringBuilder Partial = new();       // output after its last newline
    internal readonly List<string> Lines = [];             // complete output lines (the live view's tail, an error's log)
}

/// <summary>What a build reports while it runs: steps started (their number, stage and instruction), cached,
/// their output, done with their duration, or failed. <see cref="Plain"/> prints BuildKit's
/// <c>--progress plain</c> lines, <see cref="TtyProgress"/> a live view redrawn in place; <see cref="Null"/>
/// prints nothing (<c>-q</c>). Thread-safe: stages may report from several threads.</summary>
public abstract class BuildProgress : IDisposable
{
    protected readonly Lock Sync = new();
    protected readonly TimeProvider Clock;
    protected readonly List<ProgressStep> Steps = [];
    protected readonly long Begun;

    protected BuildProgress(TimeProvider? clock)
    {
        Clock = clock ?? TimeProvider.System;
        Begun = Clock.GetTimestamp();
    }

    /// <summary>Reports nothing.</summary>
    public static BuildProgress Null => new NullProgress();

    /// <summary>BuildKit's plain lines on <paramref name="output"/>.</summary>
    public static BuildProgress Plain(TextWriter output, TimeProvider? clock = null) => new PlainProgress(output, clock);

    /// <summary>The progress <c>--progress MODE</c> asks for: auto is the live view on a terminal whose TERM is
    /// not dumb, else plain lines; tty on a dumb (or no) terminal falls back to plain, as BuildKit does.</summary>
    public static BuildProgress Create(string? mode, TextWriter output, bool isTerminal, string? term, int width = 80, int height = 24)
    {
        var dumb = string.IsNullOrEmpty(term) || term == "dumb";
        return (mode ?? "auto") switch
        {
            "quiet" => Null,
            "plain" => Plain(output),
            "tty" or "auto" when isTerminal && !dumb => new TtyProgress(output, width, height),
            "tty" or "auto" => Plain(output),
            _ => throw new ArgumentException($"invalid progress mode \"{mode}\": expected auto, plain, tty or quiet"),
        };
    }

    /// <summary>BuildKit's name of a Dockerfile step: <c>[stage i/n] TEXT</c>, the index padded to the width of
    /// the total (<c>[ 2/10]</c>); no stage name when <paramref name="stage"/> is null (a one-stage build).</summary>
    public static string StepName(string? stage, int index, int total, string instruction)
    {
        var width = total.ToString(CultureInfo.InvariantCulture).Length;
        var i = index.ToString(CultureInfo.InvariantCulture).PadLeft(width);
        // a continued or heredoc instruction on one line, as BuildKit shows it
        if (instruction.Contains('\n'))
            instruction = string.Join(' ', instruction.Split('\n').Select(l => l.Trim().TrimEnd('\\', '`').TrimEnd()).Where(l => l.Length > 0));
        return $"[{(stage is null ? "" : stage + " ")}{i}/{total}] {instruction}";
    }

    public ProgressStep Start(string? stage, int index, int total, string instruction) => Start(StepName(stage, index, total, instruction));

    public ProgressStep Start(string name)
    {
        lock (Sync)
        {
            var s = new ProgressStep(Steps.Count + 1, name, Clock.GetTimestamp());
            Steps.Add(s);
            OnStart(s);
            return s;
        }
    }

    /// <summary>The step's result came from the cache: it is done, and ran nothing.</summary>
    public void Cached(ProgressStep s)
    {
        lock (Sync)
        {
            if (s.IsDone) return;
            s.IsCached = true;
            s.Ended = Clock.GetTimestamp();
            OnCached(s);
        }
    }

    /// <summary>Output of the step (a RUN's stdout and stderr), in any pieces: lines are cut at newlines.</summary>
    public void Output(ProgressStep s, ReadOnlySpan<char> text)
    {
        lock (Sync)
        {
            foreach (var c in text)
            {
                if (c == '\n') Line(s);
                else s.Partial.Append(c);
            }
        }
    }

    private void Line(ProgressStep s)
    {
        var line = s.Partial.ToString();
        s.Partial.Clear();
        if (line.EndsWith('\r')) line = line[..^1];
        s.Lines.Add(line);
        if (s.Lines.Count > 1000) s.Lines.RemoveAt(0);
        OnOutput(s, Seconds(Clock.GetTimestamp() - s.Started), line);
    }

    /// <summary>A status line of the step (<c>writing image sha256:… done</c>).</summary>
    public void Status(ProgressStep s, string text)
    {
        lock (Sync) OnStatus(s, text);
    }

    public void Done(ProgressStep s)
    {
        lock (Sync)
        {
            if (s.IsDone) return;
            if (s.Partial.Length > 0) Line(s);
            s.Ended = Clock.GetTimestamp();
            OnDone(s);
        }
    }

    public void Fail(ProgressStep s, string message)
    {
        lock (Sync)
        {
            if (s.IsDone) return;
            if (s.Partial.Length > 0) Line(s);
            s.Ended = Clock.GetTimestamp();
            s.Error = message;
            OnError(s);
        }
    }

    /// <summary>A build failed: every step still running failed with it.</summary>
    public void FailRunning(string message)
    {
        lock (Sync)
            foreach (var s in Steps.Where(s => !s.IsDone).ToList()) Fail(s, message);
    }

    /// <summary>Writes into a step's output (null: into nothing).</summary>
    public TextWriter Writer(ProgressStep? s) => s is null ? TextWriter.Null : new StepWriter(this, s);

    protected double Seconds(long ticks) => Clock.GetElapsedTime(0, ticks).TotalSeconds;
    protected double Duration(ProgressStep s) => Seconds((s.Ended ?? Clock.GetTimestamp()) - s.Started);
    protected static string F(double v, int digits) => v.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    protected abstract void OnStart(ProgressStep s);
    protected abstract void OnCached(ProgressStep s);
    protected abstract void OnOutput(ProgressStep s, double at, string line);
    protected abstract void OnStatus(ProgressStep s, string text);
    protected abstract void OnDone(ProgressStep s);
    protected abstract void OnError(ProgressStep s);

    public virtual void Dispose() { }

    private sealed class NullProgress() : BuildProgress(null)
    {
        protected override void OnStart(ProgressStep s) { }
        protected override void OnCached(ProgressStep s) { }
        protected override void OnOutput(ProgressStep s, double at, string line) { }
        protected override void OnStatus(ProgressStep s, string text) { }
        protected override void OnDone(ProgressStep s) { }
        protected override void OnError(ProgressStep s) { }
    }

    private sealed class StepWriter(BuildProgress progress, ProgressStep step) : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;
        public override void Write(char value) => progress.Output(step, [value]);
        public override void Write(string? value) => progress.Output(step, value);
        public override void Write(char[] buffer, int index, int count) => progress.Output(step, buffer.AsSpan(index, count));
    }
}

/// <summary>BuildKit's <c>--progress plain</c>: <c>#N NAME</c> when a step starts, <c>#N CACHED</c>,
/// <c>#N 0.123 LINE</c> for its output (seconds since it started), <c>#N DONE 0.4s</c>, <c>#N ERROR: …</c>;
/// a blank line before each step.</summary>
public sealed class PlainProgress(TextWriter output, TimeProvider? clock = null) : BuildProgress(clock)
{
    private int _last; // the step the previous line was about

    private void Write(ProgressStep s, string line)
    {
        if (_last != s.Number && _last != 0) output.WriteLine();
        _last = s.Number;
        output.WriteLine($"#{s.Number} {line}");
        output.Flush();
    }

    protected override void OnStart(ProgressStep s) => Write(s, s.Name);
    protected override void OnCached(ProgressStep s) => Write(s, "CACHED");
    protected override void OnOutput(ProgressStep s, double at, string line) => Write(s, $"{F(at, 3)} {line}");
    protected override void OnStatus(ProgressStep s, string text) => Write(s, text);
    protected override void OnDone(ProgressStep s) => Write(s, $"DONE {F(Duration(s), 1)}s");
    protected override void OnError(ProgressStep s) => Write(s, $"ERROR: {s.Error}");
}

/// <summary>BuildKit's live view on a terminal: a header with the elapsed time and the steps done, one line per
/// step (<c>=> CACHED [2/5] COPY …   0.0s</c>) with its time on the right, the last output lines of running
/// steps under them, all redrawn in place (ANSI: cursor up, erase line) several times a second. When the build
/// ends the view is drawn once more, and a failed step's output is printed under it, as BuildKit does.</summary>
public sealed class TtyProgress : BuildProgress
{
    private readonly TextWriter _out;
    private readonly int _width, _height;
    private readonly Timer? _timer;
    private int _drawn;         // lines of the last frame
    private bool _finished;
    private const int TailLines = 6;

    public TtyProgress(TextWriter output, int width, int height, TimeProvider? clock = null, bool autoRefresh = true) : base(clock)
    {
        _out = output;
        _width = Math.Max(width, 40);
        _height = Math.Max(height, 8);
        if (autoRefresh) _timer = new Timer(_ => { lock (Sync) if (!_finished) Draw(); }, null, 100, 100);
    }

    /// <summary>The frame as it would be drawn now (no escapes): for tests and for the final frame.</summary>
    public List<string> Frame()
    {
        lock (Sync)
        {
            var lines = new List<(string Text, bool Finished)>();
            var done = Steps.Count(s => s.IsDone);
            var failed = Steps.Any(s => s.Error is not null);
            var state = _finished ? (failed ? " ERROR" : " FINISHED") : "";
            lines.Add((Fit($"[+] Building {F(Seconds(Clock.GetTimestamp() - Begun), 1)}s ({done}/{Steps.Count}){state}", ""), false));
            foreach (var s in Steps)
            {
                var mark = s.Error is not null ? "ERROR " : s.IsCached ? "CACHED " : "";
                lines.Add((Fit($" => {mark}{s.Name}", $"{F(Duration(s), 1)}s"), s.IsDone && s.Error is null));
                if (!s.IsDone)
                    foreach (var l in s.Lines.TakeLast(TailLines)) lines.Add((Fit($" => => # {l}", ""), false));
            }
            // as BuildKit: when the frame is taller than the terminal, the oldest finished steps go first
            while (lines.Count > _height - 1)
            {
                var oldest = lines.FindIndex(1, l => l.Finished);
                if (oldest < 0) oldest = lines.Count > 2 ? 1 : -1;
                if (oldest < 0) break;
                lines.RemoveAt(oldest);
            }
            return lines.Select(l => l.Text).ToList();
        }
    }

    /// <summary>A line cut to the terminal's width (a wrapped line would break the redraw) with
    /// <paramref name="right"/> flush right.</summary>
    private string Fit(string left, string right)
    {
        var max = _width - 1;
        left = Sanitize(left);
        if (right.Length == 0) return left.Length > max ? left[..max] : left;
        var room = max - right.Length - 1;
        if (left.Length > room) left = left[..Math.Max(room, 0)];
        return left.PadRight(room) + " " + right;
    }

    /// <summary>Output is the build's, not ours: escapes and control characters in it would move the cursor.</summary>
    private static string Sanitize(string s)
    {
        if (!s.Any(char.IsControl)) return s;
        var b = new StringBuilder(s.Length);
        foreach (var c in s) b.Append(c == '\t' ? ' ' : char.IsControl(c) ? '?' : c);
        return b.ToString();
    }

    private void Draw()
    {
        var lines = Frame();
        var b = new StringBuilder();
        if (_drawn > 0) b.Append("\x1b[").Append(_drawn).Append('F'); // to the first column, _drawn lines up
        foreach (var l in lines) b.Append(l).Append("\x1b[K\n");
        if (lines.Count < _drawn) b.Append("\x1b[J");                  // erase what the last frame had below
        _drawn = lines.Count;
        _out.Write(b.ToString());
        _out.Flush();
    }

    protected override void OnStart(ProgressStep s) => Draw();
    protected override void OnCached(ProgressStep s) => Draw();
    protected override void OnOutput(ProgressStep s, double at, string line) { }
    protected override void OnStatus(ProgressStep s, string text) { }
    protected override void OnDone(ProgressStep s) => Draw();
    protected override void OnError(ProgressStep s) => Draw();

    public override void Dispose()
    {
        _timer?.Dispose();
        lock (Sync)
        {
            if (_finished) return;
            _finished = true;
            Draw();
            foreach (var s in Steps.Where(s => s.Error is not null))
            {
                _out.WriteLine("------");
                _out.WriteLine($" > {s.Name}:");
                foreach (var l in s.Lines.TakeLast(10)) _out.WriteLine(Sanitize(l));
                _out.WriteLine("------");
            }
            _out.Flush();
        }
    }
}
