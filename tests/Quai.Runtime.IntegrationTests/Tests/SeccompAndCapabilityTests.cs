using System.Text.Json.Nodes;
using Quai.Runtime.IntegrationTests.Infrastructure;

namespace Quai.Runtime.IntegrationTests.Tests;

public sealed class SeccompAndCapabilityTests
{
    [Fact]
    public void Seccomp_rule_makes_mkdir_fail_with_EPERM()
    {
        using var b = new Bundle("sh", "-c", "mkdir /tmp/denied; echo rc=$?; touch /tmp/allowed && echo touched");
        b.Linux["seccomp"] = new JsonObject
        {
            ["defaultAction"] = "SCMP_ACT_ALLOW",
            ["architectures"] = new JsonArray("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"),
            ["syscalls"] = new JsonArray(new JsonObject
            {
                ["names"] = new JsonArray("mkdir", "mkdirat"), ["action"] = "SCMP_ACT_ERRNO", ["errnoRet"] = 1,
            }),
        };
        var r = b.Run().Ok();
        Assert.Contains("Operation not permitted", r.Err);
        Assert.Contains("rc=1", r.Out);
        Assert.Contains("touched", r.Out); // only the rule's syscalls are refused
        Assert.False(Directory.Exists(Path.Combine(b.Rootfs, "tmp/denied")));
    }

    [Fact]
    public void Seccomp_is_not_applied_without_the_rule()
    {
        using var b = new Bundle("sh", "-c", "mkdir /tmp/made && grep Seccomp: /proc/self/status");
        var r = b.Run().Ok();
        Assert.True(Directory.Exists(Path.Combine(b.Rootfs, "tmp/made")));
    }

    [Fact]
    public void Chown_fails_without_CAP_CHOWN()
    {
        using var b = new Bundle("sh", "-c", "touch /f && chown 1234:1234 /f");
        var r = b.Run();
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("Operation not permitted", r.Err);
        var st = new StatLite(Path.Combine(b.Rootfs, "f"));
        Assert.Equal(0u, st.Uid);
    }

    [Fact]
    public void Chown_works_with_CAP_CHOWN()
    {
        using var b = new Bundle("sh", "-c", "touch /f && chown 1234:1234 /f && grep CapEff /proc/self/status");
        foreach (var set in new[] { "bounding", "effective", "permitted" })
            b.Process["capabilities"]![set]!.AsArray().Add("CAP_CHOWN");
        var r = b.Run().Ok();
        var st = new StatLite(Path.Combine(b.Rootfs, "f"));
        Assert.Equal(1234u, st.Uid);
        Assert.Equal(1234u, st.Gid);
    }
}
