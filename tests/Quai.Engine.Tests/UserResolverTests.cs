using Quai.Engine.Containers;
using Quai.Engine.Specs;

namespace Quai.Engine.Tests;

public class UserResolverTests
{
    private const string Passwd = "root:x:0:0:root:/root:/bin/sh\n# comment\nuser:x:1000:1001:User:/home/user:/bin/sh\nweird:x:notanumber:1:x:/:/bin/sh\n";
    private const string Group = "root:x:0:\nusers:x:1001:\nextra:x:2000:user,other\nmore:x:2001:other, user\n";

    [Fact]
    public void Default_IsRoot()
    {
        var u = UserResolver.Resolve(null, Passwd, Group);
        Assert.Equal((0u, 0u, "/root"), (u.Uid, u.Gid, u.Home));
    }

    [Fact]
    public void Name_ResolvesUidGidHomeAndSupplementaryGroups()
    {
        var u = UserResolver.Resolve("user", Passwd, Group);
        Assert.Equal((1000u, 1001u, "/home/user"), (u.Uid, u.Gid, u.Home));
        Assert.Equal([2000u, 2001u], u.AdditionalGids);
    }

    [Fact]
    public void NumericUid_NotInPasswd_IsAllowed()
    {
        var u = UserResolver.Resolve("4242", Passwd, Group);
        Assert.Equal((4242u, 0u), (u.Uid, u.Gid));
    }

    [Fact]
    public void NumericUid_InPasswd_TakesItsGroup()
    {
        Assert.Equal(1001u, UserResolver.Resolve("1000", Passwd, Group).Gid);
    }

    [Fact]
    public void ExplicitGroup_ByNameOrNumber_NoSupplementary()
    {
        var u = UserResolver.Resolve("user:extra", Passwd, Group);
        Assert.Equal(2000u, u.Gid);
        Assert.Empty(u.AdditionalGids);
        Assert.Equal(7u, UserResolver.Resolve("user:7", Passwd, Group).Gid);
    }

    [Fact]
    public void UnknownUser_Fails()
    {
        var e = Assert.Throws<ContainerStartException>(() => UserResolver.Resolve("nobody", Passwd, Group));
        Assert.Contains("unable to find user nobody", e.Message);
    }

    [Fact]
    public void UnknownGroup_Fails()
    {
        Assert.Throws<ContainerStartException>(() => UserResolver.Resolve("user:nogroup", Passwd, Group));
    }

    [Fact]
    public void MissingFiles_NumericStillWorks()
    {
        Assert.Equal(5u, UserResolver.Resolve("5:6", null, null).Uid);
    }
}
