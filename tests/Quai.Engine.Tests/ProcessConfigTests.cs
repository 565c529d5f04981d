using Quai.Engine.Specs;

namespace Quai.Engine.Tests;

public class ProcessConfigTests
{
    [Fact]
    public void ImageEntrypointAndCmd_AreConcatenated()
    {
        var (e, c) = ProcessConfig.Combine(["/entry"], ["a", "b"], null, null);
        Assert.Equal(["/entry", "a", "b"], ProcessConfig.Args(e, c));
    }

    [Fact]
    public void UserCommand_ReplacesCmdKeepsEntrypoint()
    {
        var (e, c) = ProcessConfig.Combine(["/entry"], ["a"], null, ["x", "y"]);
        Assert.Equal(["/entry"], e);
        Assert.Equal(["x", "y"], c);
    }

    [Fact]
    public void EntrypointOverride_ResetsImageCmd()
    {
        var (e, c) = ProcessConfig.Combine(["/entry"], ["a"], ["/other"], null);
        Assert.Equal(["/other"], e);
        Assert.Null(c);
    }

    [Fact]
    public void EmptyEntrypoint_ClearsIt()
    {
        var (e, c) = ProcessConfig.Combine(["/entry"], ["a"], [""], ["sh"]);
        Assert.Null(e);
        Assert.Equal(["sh"], c);
    }

    [Fact]
    public void NoEntrypointNoCmd_IsEmpty()
    {
        var (e, c) = ProcessConfig.Combine(null, [], null, null);
        Assert.Null(e);
        Assert.Null(c);
    }

    [Fact]
    public void Env_LaterWinsInPlace_BareKeyFromLookup()
    {
        var env = ProcessConfig.MergeEnv(["PATH=/bin", "A=1", "B=2"], ["A=3", "C", "D"], k => k == "C" ? "host" : null);
        Assert.Equal(["PATH=/bin", "A=3", "B=2", "C=host"], env);
    }

    [Fact]
    public void EnvFile_SkipsCommentsAndBlankLines()
    {
        var f = Path.GetTempFileName();
        try
        {
            File.WriteAllText(f, "# comment\n\nA=1\nB=two words\nC\n");
            Assert.Equal(["A=1", "B=two words", "C"], ProcessConfig.ParseEnvFile(f));
        }
        finally { File.Delete(f); }
    }
}
