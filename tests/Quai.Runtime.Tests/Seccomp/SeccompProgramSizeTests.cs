using Quai.Runtime.Seccomp;
using Xunit.Abstractions;

namespace Quai.Runtime.Tests.Seccomp;

public class SeccompProgramSizeTests(ITestOutputHelper output)
{
    [Fact]
    public void Default_profile_program_size()
    {
        var p = SeccompCompiler.Compile(DefaultSeccompProfile.Create(["CAP_CHOWN"]));
        output.WriteLine($"default profile: {p.Instructions.Length} instructions");
        var admin = SeccompCompiler.Compile(DefaultSeccompProfile.Create(["CAP_SYS_ADMIN", "CAP_SYS_PTRACE"]));
        output.WriteLine($"default profile + CAP_SYS_ADMIN/PTRACE: {admin.Instructions.Length} instructions");
        Assert.InRange(p.Instructions.Length, 50, 1024);
    }
}
