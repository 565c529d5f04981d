using Quai.Engine.Containers;
using Quai.Engine.Specs;

namespace Quai.Engine.Tests;

public sealed class TmpfsOptionsTests
{
    [Fact]
    public void Dockers_flags_and_data_pass_in_order()
    {
        Assert.Equal(["size=64m", "mode=1777", "exec", "nosuid", "uid=1000", "mpol=bind:0-1", "nr_inodes=4k", "ro", "rshared"],
            TmpfsOptions.Parse("size=64m,mode=1777,exec,nosuid,uid=1000,mpol=bind:0-1,nr_inodes=4k,ro,rshared"));
        Assert.Empty(TmpfsOptions.Parse(""));
    }

    [Theory]
    [InlineData("bind")]
    [InlineData("rbind")]
    [InlineData("remount")]
    [InlineData("tmpcopyup")]
    [InlineData("notmpcopyup")]
    [InlineData("size=1m,x-foo")]
    [InlineData("size=")]
    [InlineData("mode=1777 rbind")]
    [InlineData("context=system_u")]
    public void Anything_else_is_refused(string options)
    {
        var e = Assert.Throws<EngineUsageException>(() => TmpfsOptions.Parse(options));
        Assert.StartsWith("Invalid tmpfs option [", e.Message);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("//")]
    [InlineData("tmp")]
    [InlineData("")]
    public void Destinations_are_absolute_and_not_the_root(string destination) =>
        Assert.Throws<EngineUsageException>(() => TmpfsOptions.CheckDestination(destination));
}
