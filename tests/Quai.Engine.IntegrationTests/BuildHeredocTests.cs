namespace Quai.Engine.IntegrationTests;

/// <summary>Heredocs through real builds, as BuildKit runs them: `RUN <<EOF` is the script (or, with a #!
/// line, a file run by its interpreter), a heredoc given to a command goes whole to the shell (which
/// expands it unless the delimiter is quoted), `COPY <<EOF` writes files.</summary>
public sealed class BuildHeredocTests(QuaiHost q) : IClassFixture<QuaiHost>, IDisposable
{
    private readonly BuildDir b = new(q);

    public void Dispose() => b.Dispose();

    private const string Heredocs = """
        # syntax=docker/dockerfile:1
        FROM bb
        ENV WHO=world
        RUN <<EOF
        echo line one > /h1
        echo "line two $HOME $WHO" >> /h1
        EOF
        RUN <<-EOF
        TABecho tabbed > /h2
        TABEOF
        RUN cat <<EOF > /h3
        written by cat: $WHO
        EOF
        RUN sh -s -- arg1 <<'EOF'
        echo "script got $1, home $HOME" > /h4
        EOF
        RUN cat <<'EOF' > /h5
        literal $WHO
        EOF
        RUN cat <<A > /h6 && cat <<-B >> /h6
        from a $WHO
        A
        TABfrom b
        TABB
        RUN <<EOF
        #!/bin/busybox sh
        echo "shebang $0 SCRIPT" > /h7
        EOF
        COPY <<EOF /c1
        copied $WHO
        EOF
        COPY <<A <<B /cdir/
        file a
        A
        file b
        B
        COPY <<"EOF" /c2
        quoted $WHO
        EOF
        """;

    private void WriteDockerfile(string script) => b.Write("Dockerfile", Heredocs.Replace("TAB", "\t").Replace("SCRIPT", script));

    [Fact]
    public void Run_and_copy_heredocs_behave_as_buildkit_runs_them()
    {
        var tag = b.Tag("heredoc");
        WriteDockerfile("v1");
        var r = b.Ok("-t", tag);
        string Cat(params string[] files) => q.Ok(["run", "--rm", tag, "cat", .. files]);
        Assert.Equal("line one\nline two /root world", Cat("/h1"));
        Assert.Equal("tabbed", Cat("/h2"));
        Assert.Equal("written by cat: world", Cat("/h3"));
        Assert.Equal("script got arg1, home /root", Cat("/h4"));
        Assert.Equal("literal $WHO", Cat("/h5"));
        Assert.Equal("from a world\nfrom b", Cat("/h6"));
        Assert.Equal("shebang /dev/pipes/EOF v1", Cat("/h7"));
        Assert.Equal("copied world", Cat("/c1"));
        Assert.Equal("file a\nfile b", Cat("/cdir/A", "/cdir/B"));
        Assert.Equal("quoted $WHO", Cat("/c2"));
        // the script's file is mounted for its step only: not in the image
        Assert.NotEqual(0, q.Run("run", "--rm", tag, "test", "-e", "/dev/pipes/EOF").Code);

        // unchanged: all cached; a changed #! script reruns its step (its content is in the key)
        var again = b.Ok("-t", tag);
        Assert.Equal(11, BuildDir.Cached(again));
        WriteDockerfile("v2");
        var changed = b.Ok("-t", tag);
        Assert.Equal(7, BuildDir.Cached(changed));
        Assert.Equal("shebang /dev/pipes/EOF v2", Cat("/h7"));
        b.AssertNoContainers();
        Assert.False(Directory.Exists(Path.Combine(q.Root, "build-pipes")) && Directory.EnumerateFileSystemEntries(Path.Combine(q.Root, "build-pipes")).SelectMany(d => Directory.EnumerateFileSystemEntries(d)).Any(),
            "the heredoc scripts are removed after their step");
        _ = r;
    }
}
