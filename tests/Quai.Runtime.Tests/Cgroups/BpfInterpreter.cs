using Quai.Runtime.Cgroups.Devices;

namespace Quai.Runtime.Tests.Cgroups;

/// <summary>
/// A tiny eBPF interpreter (the subset a device filter needs: 32-bit loads, ALU32/ALU64 and/rsh/mov,
/// conditional jumps, exit) working on the encoded bytes, so encoding and logic are both checked.
/// Also enforces what the verifier would: in-bounds jumps, reads of initialised registers, exit reachable.
/// </summary>
internal static class BpfInterpreter
{
    public static int RunDevice(byte[] code, char type, uint major, uint minor, DeviceAccess access)
    {
        uint t = type == 'b' ? 1u : 2u;
        var ctx = new byte[12];
        BitConverter.TryWriteBytes(ctx.AsSpan(0, 4), ((uint)access << 16) | t);
        BitConverter.TryWriteBytes(ctx.AsSpan(4, 4), major);
        BitConverter.TryWriteBytes(ctx.AsSpan(8, 4), minor);
        return (int)Run(code, ctx);
    }

    public static ulong Run(byte[] code, byte[] ctx)
    {
        if (code.Length % 8 != 0) throw new InvalidOperationException("program length not a multiple of 8");
        int n = code.Length / 8;
        var r = new ulong[11];
        var init = new bool[11];
        init[1] = true; init[10] = true;
        const ulong CtxBase = 0x1000;
        r[1] = CtxBase;
        int pc = 0, steps = 0;
        while (true)
        {
            if (pc < 0 || pc >= n) throw new InvalidOperationException($"pc {pc} out of program");
            if (++steps > 10000) throw new InvalidOperationException("loop");
            var s = code.AsSpan(pc * 8, 8);
            byte op = s[0];
            int dst = s[1] & 0xf, src = s[1] >> 4;
            short off = BitConverter.ToInt16(s[2..4]);
            int imm = BitConverter.ToInt32(s[4..8]);
            pc++;
            ulong Src(bool isReg) { if (isReg) { Need(src); return r[src]; } return (ulong)(long)imm; }
            void Need(int reg) { if (!init[reg]) throw new InvalidOperationException($"read of uninitialised r{reg} at {pc - 1}"); }
            switch (op)
            {
                case 0x61: // ldxw dst, [src+off]
                {
                    Need(src);
                    long addr = (long)(r[src] - CtxBase) + off;
                    if (src != 1 || addr < 0 || addr + 4 > ctx.Length) throw new InvalidOperationException($"bad ctx access {addr}");
                    r[dst] = BitConverter.ToUInt32(ctx, (int)addr); init[dst] = true;
                    break;
                }
                case 0x54: Need(dst); r[dst] = (uint)r[dst] & (uint)imm; break;          // and32 imm
                case 0x5c: Need(dst); r[dst] = (uint)r[dst] & (uint)Src(true); break;    // and32 reg
                case 0x74: Need(dst); r[dst] = (uint)r[dst] >> (imm & 31); break;        // rsh32 imm
                case 0xbc: r[dst] = (uint)Src(true); init[dst] = true; break;            // mov32 reg
                case 0xb4: r[dst] = (uint)imm; init[dst] = true; break;                  // mov32 imm
                case 0xb7: r[dst] = (ulong)(long)imm; init[dst] = true; break;           // mov64 imm
                case 0xbf: r[dst] = Src(true); init[dst] = true; break;                  // mov64 reg
                case 0x57: Need(dst); r[dst] &= (ulong)(long)imm; break;                 // and64 imm
                case 0x77: Need(dst); r[dst] >>= imm & 63; break;                        // rsh64 imm
                case 0x05: pc += off; break;                                            // ja
                case 0x15: Need(dst); if (r[dst] == (ulong)(long)imm) pc += off; break;  // jeq imm
                case 0x55: Need(dst); if (r[dst] != (ulong)(long)imm) pc += off; break;  // jne imm
                case 0x1d: Need(dst); if (r[dst] == Src(true)) pc += off; break;         // jeq reg
                case 0x5d: Need(dst); if (r[dst] != Src(true)) pc += off; break;         // jne reg
                case 0x95: Need(0); return r[0];                                         // exit
                default: throw new InvalidOperationException($"unsupported opcode 0x{op:x2} at {pc - 1}");
            }
        }
    }
}
