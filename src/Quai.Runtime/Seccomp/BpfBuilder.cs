using static Quai.Runtime.Seccomp.SeccompConstants;

namespace Quai.Runtime.Seccomp;

/// <summary>
/// Emits a classic BPF program back to front. A label is the index of an already emitted instruction
/// counted from the END of the program, so every jump (which in classic BPF can only go forward) targets
/// something that exists already and its offset is known at emission time.
/// Conditional jumps carry 8-bit offsets: when a target is further than 255 instructions away a
/// <c>JA</c> trampoline (32-bit offset) is emitted right behind the conditional jump.
/// Nothing ever falls through implicitly except a non-jump instruction into its successor, and
/// <see cref="Then"/> inserts a <c>JA</c> when that successor is not the instruction right behind it.
/// </summary>
internal sealed class BpfBuilder
{
    private readonly List<SockFilter> _rev = new();
    private readonly Dictionary<uint, int> _rets = new();

    /// <summary>Number of emitted instructions; also the label the next emitted instruction gets.</summary>
    public int Count => _rev.Count;

    private int Offset(int label) => Count - label - 1;

    private int Emit(SockFilter insn)
    {
        _rev.Add(insn);
        return _rev.Count - 1;
    }

    /// <summary>Unconditional jump to <paramref name="target"/>.</summary>
    public int Ja(int target) => Emit(new SockFilter(BPF_JMP_JA, 0, 0, (uint)Offset(target)));

    /// <summary><c>ret #k</c>, reusing a nearby identical ret when there is one.</summary>
    public int Ret(uint k)
    {
        if (_rets.TryGetValue(k, out var l) && Offset(l) <= 128) return l;
        l = Emit(new SockFilter(BPF_RET_K, 0, 0, k));
        _rets[k] = l;
        return l;
    }

    /// <summary>Non-jump instruction that continues at <paramref name="next"/>.</summary>
    public int Then(ushort code, uint k, int next)
    {
        if (next != Count - 1) Ja(next);
        return Emit(new SockFilter(code, 0, 0, k));
    }

    /// <summary>Conditional jump: <c>if (A op k) goto jt else goto jf</c>.</summary>
    public int Jump(ushort code, uint k, int jt, int jf)
    {
        while (true)
        {
            int ot = Offset(jt), of = Offset(jf);
            if (ot <= byte.MaxValue && of <= byte.MaxValue)
                return Emit(new SockFilter(code, (byte)ot, (byte)of, k));
            if (ot > byte.MaxValue) jt = Ja(jt);
            else jf = Ja(jf);
        }
    }

    public int LoadAbs(uint offset, int next) => Then(BPF_LD_W_ABS, offset, next);

    /// <summary>The program in execution order; <paramref name="entry"/> must be the last emitted label.</summary>
    public SockFilter[] ToArray(int entry)
    {
        if (entry != Count - 1) throw new InvalidOperationException("entry must be the last emitted instruction");
        var a = _rev.ToArray();
        Array.Reverse(a);
        return a;
    }
}
