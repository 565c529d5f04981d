namespace Quai.Runtime.Cgroups.Devices;

/// <summary>One eBPF instruction (struct bpf_insn): 8 bytes, little-endian.</summary>
public readonly record struct BpfInstruction(byte Code, byte Dst, byte Src, short Offset, int Imm)
{
    // Classes
    public const byte LDX = 0x01, ALU = 0x04, JMP = 0x05, ALU64 = 0x07;
    // Sizes / modes
    public const byte W = 0x00, MEM = 0x60;
    // ALU ops
    public const byte AND = 0x50, RSH = 0x70, MOV = 0xb0;
    // JMP ops
    public const byte JEQ = 0x10, JNE = 0x50, EXIT = 0x90;
    // Source
    public const byte K = 0x00, X = 0x08;

    public static BpfInstruction LoadW(byte dst, byte src, short off) => new(LDX | MEM | W, dst, src, off, 0);
    public static BpfInstruction And32Imm(byte dst, int imm) => new(ALU | AND | K, dst, 0, 0, imm);
    public static BpfInstruction Rsh32Imm(byte dst, int imm) => new(ALU | RSH | K, dst, 0, 0, imm);
    public static BpfInstruction Mov32Reg(byte dst, byte src) => new(ALU | MOV | X, dst, src, 0, 0);
    public static BpfInstruction Mov64Imm(byte dst, int imm) => new(ALU64 | MOV | K, dst, 0, 0, imm);
    public static BpfInstruction JneImm(byte dst, int imm, short off) => new(JMP | JNE | K, dst, 0, off, imm);
    public static BpfInstruction JeqImm(byte dst, int imm, short off) => new(JMP | JEQ | K, dst, 0, off, imm);
    public static BpfInstruction JneReg(byte dst, byte src, short off) => new(JMP | JNE | X, dst, src, off, 0);
    public static BpfInstruction Exit() => new(JMP | EXIT, 0, 0, 0, 0);

    public void WriteTo(Span<byte> dest)
    {
        dest[0] = Code;
        dest[1] = (byte)((Dst & 0x0f) | (Src << 4));
        BitConverter.TryWriteBytes(dest[2..4], Offset);
        BitConverter.TryWriteBytes(dest[4..8], Imm);
    }

    public static byte[] Encode(IReadOnlyList<BpfInstruction> program)
    {
        var bytes = new byte[program.Count * 8];
        for (int i = 0; i < program.Count; i++) program[i].WriteTo(bytes.AsSpan(i * 8, 8));
        return bytes;
    }

    public override string ToString() => $"code=0x{Code:x2} dst=r{Dst} src=r{Src} off={Offset} imm={Imm}";
}
