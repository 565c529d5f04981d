namespace Quai.Runtime.Cgroups.Devices;

/// <summary>
/// Generates a BPF_PROG_TYPE_CGROUP_DEVICE program equivalent to a device rule list.
/// The program sees struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; } in r1,
/// where access_type = (access &lt;&lt; 16) | type (type: 1 block, 2 char; access: 1 mknod, 2 read, 4 write),
/// and returns 1 to permit, 0 to deny (EPERM).
///
/// Rules are first normalised with <see cref="DeviceEmulator"/> (so ordering, blanket "a" rules and
/// partial access behave exactly as under cgroup v1), then each exception becomes one match block:
/// deny-by-default → allow exceptions match when the requested access is a subset of the rule's;
/// allow-by-default → deny exceptions match when the requested access overlaps the rule's.
/// </summary>
public static class DeviceFilter
{
    public const int TypeBlock = 1, TypeChar = 2;
    public const string License = "Apache-2.0";

    // Registers: r2 = type, r3 = access, r4 = major, r5 = minor, r1 scratch after the prologue.
    private const byte R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5;

    public static List<BpfInstruction> Generate(IEnumerable<DeviceRule> rules) => Generate(DeviceEmulator.FromRules(rules));

    public static List<BpfInstruction> Generate(DeviceEmulator state)
    {
        var prog = new List<BpfInstruction>
        {
            BpfInstruction.LoadW(R2, R1, 0),
            BpfInstruction.And32Imm(R2, 0xFFFF),
            BpfInstruction.LoadW(R3, R1, 0),
            BpfInstruction.Rsh32Imm(R3, 16),
            BpfInstruction.LoadW(R4, R1, 4),
            BpfInstruction.LoadW(R5, R1, 8),
        };
        int verdict = state.DefaultAllow ? 0 : 1; // exceptions invert the default
        foreach (var ex in state.Exceptions)
        {
            var block = new List<(BpfInstruction Insn, bool JumpsToNext)>();
            int type = ex.Type switch { 'c' => TypeChar, 'b' => TypeBlock, _ => 0 };
            if (type != 0) block.Add((BpfInstruction.JneImm(R2, type, 0), true));
            if (ex.Access != DeviceAccess.All)
            {
                block.Add((BpfInstruction.Mov32Reg(R1, R3), false));
                block.Add((BpfInstruction.And32Imm(R1, (int)ex.Access), false));
                block.Add(state.DefaultAllow
                    ? (BpfInstruction.JeqImm(R1, 0, 0), true)        // no overlap → rule does not apply
                    : (BpfInstruction.JneReg(R1, R3, 0), true));     // not a subset → rule does not apply
            }
            if (ex.Major != DeviceRule.Wildcard) block.Add((BpfInstruction.JneImm(R4, checked((int)ex.Major), 0), true));
            if (ex.Minor != DeviceRule.Wildcard) block.Add((BpfInstruction.JneImm(R5, checked((int)ex.Minor), 0), true));
            block.Add((BpfInstruction.Mov64Imm(R0, verdict), false));
            block.Add((BpfInstruction.Exit(), false));
            for (int i = 0; i < block.Count; i++)
            {
                var (insn, jumps) = block[i];
                // Offset is relative to the next instruction; "next" is the first instruction after this block.
                prog.Add(jumps ? insn with { Offset = (short)(block.Count - i - 1) } : insn);
            }
        }
        prog.Add(BpfInstruction.Mov64Imm(R0, state.DefaultAllow ? 1 : 0));
        prog.Add(BpfInstruction.Exit());
        return prog;
    }
}
