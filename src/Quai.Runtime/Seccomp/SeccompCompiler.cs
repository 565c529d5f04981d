using OciSeccomp = Quai.Oci.Runtime.Seccomp;
using OciSeccompArg = Quai.Oci.Runtime.SeccompArg;
using static Quai.Runtime.Seccomp.SeccompConstants;

namespace Quai.Runtime.Seccomp;

/// <summary>
/// Compiles an OCI <c>linux.seccomp</c> object into a classic BPF program for
/// <c>seccomp(SECCOMP_SET_MODE_FILTER)</c>, following runc + libseccomp semantics:
/// <list type="bullet">
/// <item>The native architecture is always part of the filter (libseccomp's <c>seccomp_init</c> adds it, runc
/// never removes it); listed architectures are added to it. Syscalls from any other architecture get the
/// bad-arch action, libseccomp's default <c>SCMP_ACT_KILL</c> (= SECCOMP_RET_KILL_THREAD), which runc keeps.</item>
/// <item>On AUDIT_ARCH_X86_64, syscall numbers with the x32 bit (0x40000000) are x32 syscalls: they are
/// dispatched with the x32 table when SCMP_ARCH_X32 is in the filter, else they get the bad-arch action
/// (except nr == -1, which gets the default action when x86_64 is in the filter, as libseccomp does).</item>
/// <item>Syscall names unknown on an architecture are skipped for that architecture (runc ignores them).</item>
/// <item>Rules whose action equals the default action are skipped (runc does, libseccomp would reject them).</item>
/// <item>Several conditions in one rule are ANDed; several conditional rules for one syscall are ORed and
/// checked in config order (first match wins). An unconditional rule for a syscall supersedes its
/// conditional rules, and the first unconditional rule wins (libseccomp's rule database does the same).
/// A conditional rule whose conditions equal, or are a prefix of, an earlier rule's with a different action is
/// an error (libseccomp returns EEXIST and runc fails). Overlapping conditional rules on different arguments with
/// different actions are checked in config order; libseccomp orders them by its internal tree instead, and
/// (2.5.4, found by differential testing) can even mis-merge same-action rules using SCMP_CMP_NE, e.g.
/// LOG(a0 != 1 &amp;&amp; (a2 &amp; 2) == 2) | LOG(a0 != 2 &amp;&amp; a1 == 2) also logs (1, 0, 2). We keep the plain
/// "AND within a rule, OR across rules" meaning.</item>
/// <item>Arguments are compared as 64-bit unsigned values (high and low word) on x86_64; on i386 and x32 only
/// the low 32 bits are compared (values truncated), as libseccomp does for its 32-bit ABIs.</item>
/// <item>Like runc's patchbpf, when the default action is not permissive (ALLOW/LOG/TRACE), syscall numbers
/// above the highest syscall named in the config for an arch (x86_64, x32 and i386 separately) return
/// ENOSYS, so that programs probing newer syscalls fall back instead of failing with EPERM.</item>
/// <item>Architectures other than the x86 family are accepted by name but we have no syscall table for
/// them; they get no dispatch block and therefore hit the bad-arch action (fail closed).</item>
/// </list>
/// </summary>
public static class SeccompCompiler
{
    private const int ArgCount = 6;

    /// <summary>Where a syscall number goes: a <c>ret</c> of an action, or a rule body.</summary>
    private readonly record struct Target(bool IsBody, uint Value)
    {
        public static Target Ret(uint k) => new(false, k);
        public static Target Body(int index) => new(true, (uint)index);
    }

    private sealed record Condition(uint Index, string Op, ulong Value, ulong ValueTwo);

    private sealed record Rule(uint Action, Condition[] Conditions);

    private sealed class SyscallRules
    {
        public uint? Unconditional;
        public readonly List<Rule> Conditional = new();
    }

    public static SeccompProgram Compile(OciSeccomp spec)
    {
        ArgumentNullException.ThrowIfNull(spec);

        uint defaultAction = ActionValue(spec.DefaultAction, spec.DefaultErrnoRet, "defaultAction");
        if (defaultAction == SECCOMP_RET_USER_NOTIF)
            throw new SeccompException("seccomp: SCMP_ACT_NOTIFY cannot be used as the default action");
        uint badArchAction = SECCOMP_RET_KILL_THREAD;

        uint flags = 0;
        foreach (var f in spec.Flags ?? [])
        {
            flags |= f switch
            {
                "SECCOMP_FILTER_FLAG_TSYNC" => SECCOMP_FILTER_FLAG_TSYNC,
                "SECCOMP_FILTER_FLAG_LOG" => SECCOMP_FILTER_FLAG_LOG,
                "SECCOMP_FILTER_FLAG_SPEC_ALLOW" => SECCOMP_FILTER_FLAG_SPEC_ALLOW,
                _ => throw new SeccompException($"seccomp: unknown or unsupported flag \"{f}\""),
            };
        }

        // Architectures: native first, then the listed ones, deduplicated.
        var arches = new List<string> { SeccompArch.Native };
        foreach (var a in spec.Architectures ?? [])
        {
            if (!SeccompArch.TryGetAudit(a, out _))
                throw new SeccompException($"seccomp: unknown architecture \"{a}\"");
            if (!arches.Contains(a)) arches.Add(a);
        }

        // Parse and validate every rule, and collect per-syscall-name rule sets.
        var byName = new Dictionary<string, SyscallRules>(StringComparer.Ordinal);
        var allNames = new List<string>();
        var syscalls = spec.Syscalls ?? [];
        for (int i = 0; i < syscalls.Count; i++)
        {
            var sc = syscalls[i] ?? throw new SeccompException($"seccomp: syscalls[{i}] is null");
            string where = $"syscalls[{i}]";
            uint action = ActionValue(sc.Action, sc.ErrnoRet, where);
            var conds = new Condition[sc.Args?.Count ?? 0];
            for (int j = 0; j < conds.Length; j++)
                conds[j] = ParseArg(sc.Args![j], $"{where}.args[{j}]");

            foreach (var name in sc.Names ?? [])
            {
                if (string.IsNullOrEmpty(name)) throw new SeccompException($"seccomp: {where} has an empty syscall name");
                // The runtime still hands the listener fd over after loading the filter (runc: write;
                // quai: sendmsg to the listener socket): notifying on those would deadlock it.
                if (action == SECCOMP_RET_USER_NOTIF && name is "write" or "sendmsg")
                    throw new SeccompException($"seccomp: {where}: SCMP_ACT_NOTIFY cannot be used for the {name} syscall");
                allNames.Add(name);
                if (action == defaultAction) continue;
                if (!byName.TryGetValue(name, out var rs)) byName[name] = rs = new SyscallRules();
                if (conds.Length == 0) rs.Unconditional ??= action;
                else
                {
                    if (rs.Unconditional is null && IsKnown(name, arches))
                        CheckConflict(name, where, rs, action, conds);
                    rs.Conditional.Add(new Rule(action, conds));
                }
            }
        }

        bool stub = !IsPermissive(defaultAction);
        bool usesNotify = false;

        var b = new BpfBuilder();
        b.Ret(badArchAction); // the last instruction of a program must be a ret

        // Arch groups by AUDIT_ARCH value, in order of first appearance.
        var groups = new List<(uint Audit, List<string> Names)>();
        foreach (var a in arches)
        {
            SeccompArch.TryGetAudit(a, out var audit);
            var g = groups.FindIndex(x => x.Audit == audit);
            if (g < 0) groups.Add((audit, new List<string> { a }));
            else groups[g].Names.Add(a);
        }

        // Rule bodies for syscalls with conditional rules, one per (name, argument width), shared by all ABIs
        // (x86_64 has 64-bit arguments; i386 and x32 share 32-bit bodies).
        // Bodies are emitted lazily next to the first tree leaf that needs them, which keeps most jumps short.
        var bodyIndex = new Dictionary<(string, bool), int>();
        var bodies = new List<Body>();

        var groupLabels = new int?[groups.Count];
        for (int gi = groups.Count - 1; gi >= 0; gi--)
        {
            var (audit, names) = groups[gi];
            var ranges = new List<(uint Start, uint End, Target T)>();
            var points = new SortedDictionary<uint, (string Name, bool Is32)>();
            var dflt = Target.Ret(defaultAction);
            var enosys = Target.Ret(SECCOMP_RET_ERRNO | ENOSYS);
            var bad = Target.Ret(badArchAction);

            // Adds the known syscalls of one ABI and returns the highest syscall number named in the config.
            uint? AddAbi(string arch, bool is32)
            {
                uint? max = null;
                foreach (var n in allNames)
                    if (SeccompArch.Resolve(arch, n) is { } nr && (max is null || nr > max)) max = nr;
                foreach (var n in byName.Keys)
                    if (SeccompArch.Resolve(arch, n) is { } nr) points[nr] = (n, is32);
                return max;
            }

            void Fill(uint lo, uint hi, uint? max)
            {
                if (!stub || max is null || max >= hi) { ranges.Add((lo, hi, dflt)); return; }
                ranges.Add((lo, max.Value, dflt));
                ranges.Add((max.Value + 1, hi, enosys));
            }

            if (audit == SeccompArch.AUDIT_ARCH_X86_64)
            {
                bool has64 = names.Contains("SCMP_ARCH_X86_64"), hasX32 = names.Contains("SCMP_ARCH_X32");
                if (has64) Fill(0, X32_SYSCALL_BIT - 1, AddAbi("SCMP_ARCH_X86_64", false));
                else ranges.Add((0, X32_SYSCALL_BIT - 1, bad));
                if (hasX32) Fill(X32_SYSCALL_BIT, uint.MaxValue, AddAbi("SCMP_ARCH_X32", true));
                else
                {
                    ranges.Add((X32_SYSCALL_BIT, uint.MaxValue - 1, bad));
                    ranges.Add((uint.MaxValue, uint.MaxValue, has64 ? dflt : bad));
                }
            }
            else if (audit == SeccompArch.AUDIT_ARCH_I386)
            {
                Fill(0, uint.MaxValue, AddAbi("SCMP_ARCH_X86", true));
            }
            else
            {
                continue; // no syscall table for this architecture: fail closed (bad-arch action)
            }

            var segments = new List<(uint Start, Target T)>();
            void AddSegment(uint start, Target t)
            {
                if (segments.Count > 0 && segments[^1].T == t) return;
                segments.Add((start, t));
            }
            foreach (var (lo, hi, t) in ranges)
            {
                ulong cur = lo;
                foreach (var (nr, (name, is32)) in points.Where(p => p.Key >= lo && p.Key <= hi))
                {
                    if (nr > cur) AddSegment((uint)cur, t);
                    var rs = byName[name];
                    if (rs.Unconditional is not null || rs.Conditional.Count == 0)
                    {
                        uint k = rs.Unconditional ?? defaultAction;
                        AddSegment(nr, Target.Ret(k));
                        usesNotify |= k == SECCOMP_RET_USER_NOTIF;
                    }
                    else
                    {
                        if (!bodyIndex.TryGetValue((name, is32), out var bi))
                        {
                            bi = bodies.Count;
                            bodies.Add(new Body(rs, is32));
                            bodyIndex[(name, is32)] = bi;
                            usesNotify |= rs.Conditional.Any(r => r.Action == SECCOMP_RET_USER_NOTIF);
                        }
                        AddSegment(nr, Target.Body(bi));
                    }
                    cur = (ulong)nr + 1;
                }
                if (cur <= hi) AddSegment((uint)cur, t);
            }

            int root = EmitTree(b, segments, 0, segments.Count - 1, bodies, defaultAction);
            groupLabels[gi] = b.LoadAbs(OffsetNr, root);
        }

        // Entry: load the arch and dispatch to the arch blocks.
        int next = b.Ret(badArchAction);
        for (int gi = groups.Count - 1; gi >= 0; gi--)
        {
            if (groupLabels[gi] is { } l)
                next = b.Jump(BPF_JMP_JEQ_K, groups[gi].Audit, l, next);
        }
        int entry = b.LoadAbs(OffsetArch, next);

        if (b.Count > BPF_MAXINSNS)
            throw new SeccompException($"seccomp: compiled filter has {b.Count} instructions, more than the kernel limit of {BPF_MAXINSNS}");

        if (usesNotify)
        {
            flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
            if ((flags & SECCOMP_FILTER_FLAG_TSYNC) != 0) flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
        }
        return new SeccompProgram(b.ToArray(entry), flags, usesNotify);
    }

    private static bool IsKnown(string name, List<string> arches)
        => arches.Any(a => SeccompArch.Resolve(a, name) is not null);

    /// <summary>
    /// libseccomp refuses (EEXIST, so runc fails) a conditional rule whose conditions, ordered by argument
    /// index, equal or are a strict prefix of those of an earlier rule with a different action.
    /// </summary>
    private static void CheckConflict(string name, string where, SyscallRules rs, uint action, Condition[] conds)
    {
        var mine = conds.OrderBy(c => c.Index).ToArray();
        foreach (var r in rs.Conditional)
        {
            if (r.Action == action || mine.Length > r.Conditions.Length) continue;
            var theirs = r.Conditions.OrderBy(c => c.Index).ToArray();
            if (mine.AsSpan().SequenceEqual(theirs.AsSpan(0, mine.Length)))
                throw new SeccompException($"seccomp: {where}: rule for syscall \"{name}\" conflicts with an earlier rule with the same conditions and a different action");
        }
    }

    private sealed class Body(SyscallRules rules, bool is32)
    {
        public SyscallRules Rules { get; } = rules;
        public bool Is32 { get; } = is32;
        public int? Label;
    }

    /// <summary>Binary search over segment starts: <c>jge start(mid)</c> splits [i, j].</summary>
    private static int EmitTree(BpfBuilder b, List<(uint Start, Target T)> segs, int i, int j, List<Body> bodies, uint defaultAction)
    {
        if (i == j)
        {
            var t = segs[i].T;
            if (!t.IsBody) return b.Ret(t.Value);
            var body = bodies[(int)t.Value];
            return body.Label ??= EmitBody(b, body.Rules, defaultAction, body.Is32);
        }
        int mid = (i + j + 1) / 2;
        int hi = EmitTree(b, segs, mid, j, bodies, defaultAction);
        int lo = EmitTree(b, segs, i, mid - 1, bodies, defaultAction);
        return b.Jump(BPF_JMP_JGE_K, segs[mid].Start, hi, lo);
    }

    private static int EmitBody(BpfBuilder b, SyscallRules rs, uint defaultAction, bool is32)
    {
        int next = b.Ret(defaultAction);
        for (int r = rs.Conditional.Count - 1; r >= 0; r--)
        {
            var rule = rs.Conditional[r];
            int ok = b.Ret(rule.Action);
            for (int c = rule.Conditions.Length - 1; c >= 0; c--)
                ok = EmitCondition(b, rule.Conditions[c], ok, next, is32);
            next = ok;
        }
        return next;
    }

    private static int EmitCondition(BpfBuilder b, Condition c, int success, int fail, bool is32)
    {
        uint lowOff = OffsetArgs + 8 * c.Index, highOff = lowOff + 4;
        if (!BitConverter.IsLittleEndian) (lowOff, highOff) = (highOff, lowOff);

        ulong value = c.Value;
        uint vlo = (uint)value, vhi = (uint)(value >> 32);
        int loCheck;
        switch (c.Op)
        {
            case "SCMP_CMP_EQ":
                loCheck = b.LoadAbs(lowOff, b.Jump(BPF_JMP_JEQ_K, vlo, success, fail));
                return is32 ? loCheck : b.LoadAbs(highOff, b.Jump(BPF_JMP_JEQ_K, vhi, loCheck, fail));
            case "SCMP_CMP_NE":
                loCheck = b.LoadAbs(lowOff, b.Jump(BPF_JMP_JEQ_K, vlo, fail, success));
                return is32 ? loCheck : b.LoadAbs(highOff, b.Jump(BPF_JMP_JEQ_K, vhi, loCheck, success));
            case "SCMP_CMP_GT":
            case "SCMP_CMP_GE":
            {
                ushort op = c.Op == "SCMP_CMP_GT" ? BPF_JMP_JGT_K : BPF_JMP_JGE_K;
                loCheck = b.LoadAbs(lowOff, b.Jump(op, vlo, success, fail));
                if (is32) return loCheck;
                int eq = b.Jump(BPF_JMP_JEQ_K, vhi, loCheck, fail);
                return b.LoadAbs(highOff, b.Jump(BPF_JMP_JGT_K, vhi, success, eq));
            }
            case "SCMP_CMP_LT":
            case "SCMP_CMP_LE":
            {
                // a < v  <=>  !(a >= v);  a <= v  <=>  !(a > v)
                ushort op = c.Op == "SCMP_CMP_LT" ? BPF_JMP_JGE_K : BPF_JMP_JGT_K;
                loCheck = b.LoadAbs(lowOff, b.Jump(op, vlo, fail, success));
                if (is32) return loCheck;
                int eq = b.Jump(BPF_JMP_JEQ_K, vhi, loCheck, success);
                return b.LoadAbs(highOff, b.Jump(BPF_JMP_JGT_K, vhi, fail, eq));
            }
            case "SCMP_CMP_MASKED_EQ":
            {
                // (arg & value) == (valueTwo & value): libseccomp masks the datum too, so bits of valueTwo
                // outside the mask are ignored rather than making the rule unmatchable.
                ulong mask = c.Value, datum = c.ValueTwo & c.Value;
                uint mlo = (uint)mask, mhi = (uint)(mask >> 32), dlo = (uint)datum, dhi = (uint)(datum >> 32);
                loCheck = b.LoadAbs(lowOff, b.Then(BPF_ALU_AND_K, mlo, b.Jump(BPF_JMP_JEQ_K, dlo, success, fail)));
                if (is32) return loCheck;
                if (mhi == 0) return loCheck;
                return b.LoadAbs(highOff, b.Then(BPF_ALU_AND_K, mhi, b.Jump(BPF_JMP_JEQ_K, dhi, loCheck, fail)));
            }
            default:
                throw new InvalidOperationException($"unvalidated operator {c.Op}");
        }
    }

    private static Condition ParseArg(OciSeccompArg? arg, string where)
    {
        if (arg is null) throw new SeccompException($"seccomp: {where} is null");
        if (arg.Index >= ArgCount)
            throw new SeccompException($"seccomp: {where}: argument index {arg.Index} out of range (0-{ArgCount - 1})");
        if (!SeccompFeatures.Operators.Contains(arg.Op))
            throw new SeccompException($"seccomp: {where}: unknown operator \"{arg.Op}\"");
        // valueTwo only matters for MASKED_EQ, and only under the mask (see EmitCondition).
        ulong two = arg.Op == "SCMP_CMP_MASKED_EQ" ? arg.ValueTwo & arg.Value : 0;
        return new Condition(arg.Index, arg.Op, arg.Value, two);
    }

    private static bool IsPermissive(uint action)
        => (action & ~SECCOMP_RET_DATA) is SECCOMP_RET_ALLOW or SECCOMP_RET_LOG or SECCOMP_RET_TRACE;

    /// <summary>Maps an OCI action name (plus errnoRet) to its SECCOMP_RET_* value.</summary>
    internal static uint ActionValue(string? action, uint? errnoRet, string where)
    {
        static uint Data(uint? v, string where)
        {
            uint x = v ?? EPERM;
            if (x > SECCOMP_RET_DATA) throw new SeccompException($"seccomp: {where}: errnoRet {x} does not fit in 16 bits");
            return x;
        }

        // runtime-spec: "When the action doesn't support an errno, the runtime MUST print an error and fail."
        if (errnoRet is not null && action is not ("SCMP_ACT_ERRNO" or "SCMP_ACT_TRACE") && SeccompFeatures.Actions.Contains(action ?? ""))
            throw new SeccompException($"seccomp: {where}: errnoRet is only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not {action}");

        return action switch
        {
            "SCMP_ACT_KILL" or "SCMP_ACT_KILL_THREAD" => SECCOMP_RET_KILL_THREAD,
            "SCMP_ACT_KILL_PROCESS" => SECCOMP_RET_KILL_PROCESS,
            "SCMP_ACT_TRAP" => SECCOMP_RET_TRAP,
            "SCMP_ACT_ERRNO" => SECCOMP_RET_ERRNO | Data(errnoRet, where),
            "SCMP_ACT_TRACE" => SECCOMP_RET_TRACE | Data(errnoRet, where),
            "SCMP_ACT_ALLOW" => SECCOMP_RET_ALLOW,
            "SCMP_ACT_LOG" => SECCOMP_RET_LOG,
            "SCMP_ACT_NOTIFY" => SECCOMP_RET_USER_NOTIF,
            _ => throw new SeccompException($"seccomp: {where}: unknown action \"{action}\""),
        };
    }
}
