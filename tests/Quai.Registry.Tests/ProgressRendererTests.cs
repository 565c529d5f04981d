using Quai.Registry.Progress;

namespace Quai.Registry.Tests;

public sealed class ProgressRendererTests
{
    [Theory]
    [InlineData(0, 1000, "[>                                                  ]       0B/1kB")]
    [InlineData(1048576, 10485760, "[=====>                                             ]  1.049MB/10.49MB")]
    [InlineData(2000, 2000, "[==================================================>]      2kB/2kB")]
    [InlineData(4096, 0, " 4.096kB")]
    public void Bar_IsDockers(long current, long total, string expected) => Assert.Equal(expected, ProgressRenderer.Bar(current, total));

    [Fact]
    public void Plain_PrintsStatusChanges_NotByteCounts()
    {
        var w = new StringWriter();
        var r = new ProgressRenderer(w, terminal: false);
        r.Report(new ProgressEvent("latest", "Pulling from library/app"));
        r.Report(new ProgressEvent("a46fbb00284b", Status.PullingFsLayer));
        r.Report(new ProgressEvent("a46fbb00284b", Status.Downloading, 10, 100));
        r.Report(new ProgressEvent("a46fbb00284b", Status.PullComplete));
        r.Report(new ProgressEvent(null, "Digest: sha256:00"));
        Assert.Equal("latest: Pulling from library/app\na46fbb00284b: Pulling fs layer\na46fbb00284b: Pull complete\nDigest: sha256:00\n", w.ToString().Replace("\r\n", "\n"));
    }

    [Fact]
    public void Terminal_RewritesTheLineOfAnId()
    {
        var w = new StringWriter();
        var r = new ProgressRenderer(w, terminal: true);
        r.Report(new ProgressEvent("aaaaaaaaaaaa", Status.PullingFsLayer));
        r.Report(new ProgressEvent("bbbbbbbbbbbb", Status.PullingFsLayer));
        r.Report(new ProgressEvent("aaaaaaaaaaaa", Status.PullComplete));
        // two lines written; the first is rewritten: cursor up 2, clear, text, back down 2
        Assert.Equal("aaaaaaaaaaaa: Pulling fs layer\nbbbbbbbbbbbb: Pulling fs layer\n\x1b[2A\x1b[2K\raaaaaaaaaaaa: Pull complete\x1b[2B\r", w.ToString());
    }
}
