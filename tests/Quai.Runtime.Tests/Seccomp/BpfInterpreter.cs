using Quai.Runtime.Seccomp;
using static Quai.Runtime.Seccomp.SeccompConstants;

namespace Quai.Runtime.Tests.Seccomp;

/// <summary>Synthetic <c>struct seccomp_data</c>.</summary>
public sealed record SeccompData(uint Nr, uint Arch, params ulong[] Args)
{
    public const uint X86_64 = 0xc000003e, I386 = 0x40000003, AArch64 = 0xc00000b7;

    public byte[] ToBytes()
    {
        var b = new byte[64];
        BitConverter.TryWriteBytes(b.AsSpan(0), Nr);
        BitConverter.TryWriteBytes(b.AsSpan(4), Arch);
        BitConverter.TryWriteBytes(b.AsSpan(8), 0x401000UL);
        for (int i = 0; i < Math.Min(6, Args.Length); i++)
            BitConverter.TryWriteBytes(b.AsSpan(16 + 8 * i), Args[i]);
        return b;
    }
}

/// <summary>
/// A minimal classic-BPF interpreter for seccomp filters: only the opcodes the compiler emits, with the
/// static checks the kernel applies (bpf_check_classic + seccomp_check_filter) done up front.
/// </summary>
public static class BpfInterpreter
{
    public static void Validate(SockFilter[] prog)
    {
        Assert.NotEmpty(prog);
        Assert.True(prog.Length <= BPF_MAXINSNS, $"program has {prog.Length} instructions");
        for (int pc = 0; pc < prog.Length; pc++)
        {
            var i = prog[pc];
            switch (i.Code)
            {
                case BPF_LD_W_ABS:
                    Assert.True(i.K % 4 == 0 && i.K < 64, $"pc {pc}: bad load offset {i.K}");
                    Assert.True(pc + 1 < prog.Length, $"pc {pc}: falls off the end");
                    break;
                case BPF_ALU_AND_K:
                    Assert.True(pc + 1 < prog.Length, $"pc {pc}: falls off the end");
                    break;
                case BPF_JMP_JA:
                    Assert.True((ulong)pc + 1 + i.K < (ulong)prog.Length, $"pc {pc}: ja out of range");
                    break;
                case BPF_JMP_JEQ_K:
                case BPF_JMP_JGT_K:
                case BPF_JMP_JGE_K:
                    Assert.True(pc + 1 + i.Jt < prog.Length && pc + 1 + i.Jf < prog.Length, $"pc {pc}: jump out of range");
                    break;
                case BPF_RET_K:
                    break;
                default:
                    Assert.Fail($"pc {pc}: unexpected opcode 0x{i.Code:x2}");
                    break;
            }
        }
        Assert.Equal(BPF_RET_K, prog[^1].Code);
    }

    public static uint Run(SockFilter[] prog, SeccompData data) => Run(prog, data.ToBytes());

    public static uint Run(SockFilter[] prog, byte[] data)
    {
        uint a = 0;
        int pc = 0, steps = 0;
        while (true)
        {
            Assert.True(pc < prog.Length, "pc ran off the program");
            Assert.True(++steps <= prog.Length, "more steps than instructions (backward jump?)");
            var i = prog[pc];
            switch (i.Code)
            {
                case BPF_LD_W_ABS: a = BitConverter.ToUInt32(data, (int)i.K); pc++; break;
                case BPF_ALU_AND_K: a &= i.K; pc++; break;
                case BPF_JMP_JA: pc += 1 + (int)i.K; break;
                case BPF_JMP_JEQ_K: pc += 1 + (a == i.K ? i.Jt : i.Jf); break;
                case BPF_JMP_JGT_K: pc += 1 + (a > i.K ? i.Jt : i.Jf); break;
                case BPF_JMP_JGE_K: pc += 1 + (a >= i.K ? i.Jt : i.Jf); break;
                case BPF_RET_K: return i.K;
                default: throw new InvalidOperationException($"opcode 0x{i.Code:x2}");
            }
        }
    }
}
