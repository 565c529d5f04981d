using Quai.Oci.Runtime;
using Quai.Runtime.Cgroups;
using Quai.Runtime.Cgroups.Devices;

namespace Quai.Runtime.Tests.Cgroups;

public class DeviceFilterTests
{
    private static DeviceRule R(bool allow, char type, long major, long minor, string access = "rwm") =>
        new(type, major, minor, DeviceRule.ParseAccess(access), allow);

    private static readonly DeviceRule DenyAll = R(false, 'a', -1, -1);
    private static readonly DeviceRule AllowAll = R(true, 'a', -1, -1);

    private static bool Run(IEnumerable<DeviceRule> rules, char type, uint major, uint minor, string access) =>
        BpfInterpreter.RunDevice(BpfInstruction.Encode(DeviceFilter.Generate(rules)), type, major, minor, DeviceRule.ParseAccess(access)) == 1;

    [Fact]
    public void EncodesInstructionsLittleEndian()
    {
        var bytes = BpfInstruction.Encode(new[] { BpfInstruction.JneImm(4, 0x01020304, -2) });
        Assert.Equal(new byte[] { 0x55, 0x04, 0xfe, 0xff, 0x04, 0x03, 0x02, 0x01 }, bytes);
        Assert.Equal(new byte[] { 0x5d, 0x31, 0, 0, 0, 0, 0, 0 }, BpfInstruction.Encode(new[] { BpfInstruction.JneReg(1, 3, 0) }));
    }

    [Fact]
    public void DenyAllProgramDeniesEverything()
    {
        var rules = new[] { DenyAll };
        Assert.False(Run(rules, 'c', 1, 3, "r"));
        Assert.False(Run(rules, 'b', 8, 0, "m"));
        Assert.Equal(8, DeviceFilter.Generate(rules).Count); // prologue + "r0 = 0; exit"
    }

    [Fact]
    public void AllowAllThenDenyNull()
    {
        var rules = new[] { AllowAll, R(false, 'c', 1, 3) };
        Assert.False(Run(rules, 'c', 1, 3, "r"));
        Assert.False(Run(rules, 'c', 1, 3, "w"));
        Assert.False(Run(rules, 'c', 1, 3, "rw"));
        Assert.True(Run(rules, 'c', 1, 5, "rw"));
        Assert.True(Run(rules, 'b', 1, 3, "rw")); // block 1:3 is a different device
    }

    [Fact]
    public void DefaultContainerRules()
    {
        var rules = DeviceRule.Effective(new List<DeviceCgroup>
        {
            new() { Allow = false, Access = "rwm" },                                  // docker's leading "deny all"
            new() { Allow = true, Type = "c", Major = 4, Minor = 1, Access = "rw" },  // an extra tty
            new() { Allow = true, Type = "b", Major = 8, Access = "r" },              // all sd* read-only
        });
        Assert.True(Run(rules, 'c', 1, 3, "rw"));     // /dev/null
        Assert.True(Run(rules, 'c', 1, 9, "r"));      // /dev/urandom
        Assert.True(Run(rules, 'c', 136, 7, "rw"));   // /dev/pts/7
        Assert.True(Run(rules, 'c', 99, 99, "m"));    // mknod of anything
        Assert.True(Run(rules, 'b', 99, 99, "m"));
        Assert.False(Run(rules, 'c', 99, 99, "r"));
        Assert.False(Run(rules, 'c', 1, 1, "r"));     // /dev/mem
        Assert.True(Run(rules, 'c', 4, 1, "rw"));
        Assert.True(Run(rules, 'b', 8, 16, "r"));
        Assert.False(Run(rules, 'b', 8, 16, "rw"));   // write not granted → the whole request is denied
        Assert.False(Run(rules, 'b', 9, 0, "r"));
    }

    [Fact]
    public void OrderMatters_LaterDenyNarrowsEarlierAllow()
    {
        var rules = new[] { DenyAll, R(true, 'c', 1, 3, "rw"), R(false, 'c', 1, 3, "w") };
        Assert.True(Run(rules, 'c', 1, 3, "r"));
        Assert.False(Run(rules, 'c', 1, 3, "w"));
        Assert.False(Run(rules, 'c', 1, 3, "rw"));
        // ...and a later blanket allow wipes everything before it.
        Assert.True(Run(rules.Append(AllowAll), 'c', 1, 3, "w"));
        Assert.False(Run(new[] { AllowAll, R(true, 'c', 1, 3), DenyAll }, 'c', 1, 3, "r"));
    }

    [Fact]
    public void PartialTypeARuleAppliesToCharAndBlock()
    {
        var rules = new[] { DenyAll, R(true, 'a', 7, -1, "r") };
        Assert.True(Run(rules, 'c', 7, 1, "r"));
        Assert.True(Run(rules, 'b', 7, 1, "r"));
        Assert.False(Run(rules, 'b', 7, 1, "w"));
    }

    /// <summary>The generated program must agree with the v1 emulator for every combination.</summary>
    [Fact]
    public void ProgramAgreesWithEmulator_Randomised()
    {
        var rnd = new Random(1234);
        var accesses = new[] { "r", "w", "m", "rw", "rm", "wm", "rwm" };
        for (int iter = 0; iter < 300; iter++)
        {
            var rules = new List<DeviceRule>();
            int count = rnd.Next(0, 8);
            for (int i = 0; i < count; i++)
            {
                char type = "acb"[rnd.Next(3)];
                long major = rnd.Next(4) == 0 ? -1 : rnd.Next(1, 4);
                long minor = rnd.Next(4) == 0 ? -1 : rnd.Next(1, 4);
                if (type == 'a' && rnd.Next(2) == 0) { major = -1; minor = -1; }
                rules.Add(R(rnd.Next(2) == 0, type, major, minor, accesses[rnd.Next(accesses.Length)]));
            }
            var emu = DeviceEmulator.FromRules(rules);
            var code = BpfInstruction.Encode(DeviceFilter.Generate(emu));
            foreach (char t in "cb")
                for (uint maj = 1; maj <= 4; maj++)
                    for (uint min = 1; min <= 4; min++)
                        foreach (var a in accesses)
                        {
                            var acc = DeviceRule.ParseAccess(a);
                            bool expected = emu.IsAllowed(t, maj, min, acc);
                            bool actual = BpfInterpreter.RunDevice(code, t, maj, min, acc) == 1;
                            Assert.True(expected == actual, $"rules [{string.Join(", ", rules)}] {t} {maj}:{min} {a}: emulator {expected}, program {actual}");
                        }
        }
    }

    [Fact]
    public void Emulator_MatchesKernelV1Semantics()
    {
        var e = DeviceEmulator.FromRules(new[] { DenyAll, R(true, 'c', 1, 3, "rw"), R(true, 'c', 1, 3, "m"), R(false, 'c', 1, 3, "r") });
        Assert.False(e.DefaultAllow);
        var ex = Assert.Single(e.Exceptions);
        Assert.Equal("c 1:3 wm", ex.ToV1String());
        Assert.True(DeviceEmulator.FromDevicesList("c 1:3 wm\n").SameAs(e));
        Assert.True(DeviceEmulator.FromDevicesList("a *:* rwm\n").DefaultAllow);
    }

    [Fact]
    public void OciConversion()
    {
        Assert.Equal("a", DeviceRule.FromOci(new DeviceCgroup { Allow = false }).ToV1String());
        Assert.Equal("c 1:* rw", DeviceRule.FromOci(new DeviceCgroup { Allow = true, Type = "c", Major = 1, Access = "rw" }).ToV1String());
        Assert.Equal("b *:* m", DeviceRule.FromOci(new DeviceCgroup { Allow = true, Type = "b", Access = "m" }).ToV1String());
        Assert.Throws<CgroupException>(() => DeviceRule.FromOci(new DeviceCgroup { Type = "x" }));
        Assert.Throws<CgroupException>(() => DeviceRule.FromOci(new DeviceCgroup { Type = "c", Access = "rwx" }));

        var eff = DeviceRule.Effective(new List<DeviceCgroup> { new() { Allow = true, Type = "c", Major = 4, Minor = 1, Access = "rw" } });
        Assert.Equal("deny a", eff[0].ToString());
        Assert.Equal("allow c 4:1 rw", eff[1].ToString());
        Assert.Equal(DeviceRule.DefaultAllowed, eff.Skip(2));
        Assert.Single(DeviceRule.Effective(null, appendDefaults: false));
    }

    [Fact]
    public void V1Transition_AddsThenRemovesOnlyTheDifference()
    {
        var from = DeviceEmulator.FromRules(new[] { DenyAll, R(true, 'c', 1, 3, "rwm"), R(true, 'c', 4, 1, "rw") });
        var to = DeviceEmulator.FromRules(new[] { DenyAll, R(true, 'c', 1, 3, "rwm"), R(true, 'c', 4, 1, "r"), R(true, 'b', 7, 0, "r") });
        var steps = from.TransitionTo(to).Select(r => r.ToString()).ToList();
        Assert.Equal(new[] { "allow b 7:0 r", "deny c 4:1 w" }, steps);
        // Replaying the steps on the old state yields the new one.
        var replay = DeviceEmulator.FromRules(new[] { DenyAll, R(true, 'c', 1, 3, "rwm"), R(true, 'c', 4, 1, "rw") }
            .Concat(from.TransitionTo(to)));
        Assert.True(replay.SameAs(to));
    }
}
