namespace Quai.Build.Executor;

/// <summary>COPY/ADD <c>--chmod</c>: an octal mode (<c>755</c>, <c>0644</c>, up to <c>7777</c>) that replaces
/// every copied entry's permission bits, or, as BuildKit's Dockerfile frontend accepts since 1.10, a
/// symbolic one as chmod(1) takes it (<c>+x</c>, <c>u=rwX,go=rX</c>, <c>a-w,u+s</c>) applied to each
/// entry's own mode (<c>X</c>: execute for directories and for files that have an execute bit).</summary>
public sealed class ChmodSpec
{
    private readonly uint? _octal;
    private readonly List<(uint Who, char Op, uint Perm, bool CapitalX, char? Copy)> _clauses = [];

    /// <summary>The text as given.</summary>
    public string Text { get; }

    private ChmodSpec(string text, uint? octal) { Text = text; _octal = octal; }

    /// <summary>Parses <paramref name="text"/>; null with <paramref name="error"/> set when it is neither form.</summary>
    public static ChmodSpec? TryParse(string text, out string? error)
    {
        error = null;
        if (text.Length > 0 && text.All(c => c is >= '0' and <= '7'))
        {
            if (text.Length > 4 && text.TrimStart('0').Length > 4) { error = $"invalid chmod parameter: {text}: out of range"; return null; }
            return new ChmodSpec(text, Convert.ToUInt32(text, 8));
        }
        var spec = new ChmodSpec(text, null);
        foreach (var clause in text.Split(','))
        {
            int i = 0;
            uint who = 0;
            for (; i < clause.Length && "ugoa".Contains(clause[i]); i++)
                who |= clause[i] switch { 'u' => 0x9c0u /* 04700 */, 'g' => 0x438u /* 02070 */, 'o' => 0x207u /* 01007 */, _ => 0xfffu };
            if (i == clause.Length) { error = $"invalid chmod parameter: {text}"; return null; }
            while (i < clause.Length)
            {
                var op = clause[i++];
                if (op is not ('+' or '-' or '='))  { error = $"invalid chmod parameter: {text}"; return null; }
                uint perm = 0; bool capitalX = false; char? copy = null;
                for (; i < clause.Length && "rwxXstugo".Contains(clause[i]); i++)
                    switch (clause[i])
                    {
                        case 'r': perm |= 0x124; break;   // 0444
                        case 'w': perm |= 0x92; break;    // 0222
                        case 'x': perm |= 0x49; break;    // 0111
                        case 'X': capitalX = true; break;
                        case 's': perm |= 0xc00; break;   // 06000
                        case 't': perm |= 0x200; break;   // 01000
                        default: copy = clause[i]; break;
                    }
                spec._clauses.Add((who, op, perm, capitalX, copy));
            }
        }
        return spec;
    }

    /// <summary>Parses <paramref name="text"/> or throws <see cref="FormatException"/>.</summary>
    public static ChmodSpec Parse(string text) => TryParse(text, out var error) ?? throw new FormatException(error);

    /// <summary>True for an octal mode: the same bits for every entry.</summary>
    public bool IsOctal => _octal is not null;

    /// <summary>The mode an entry with <paramref name="mode"/> (permission bits) gets.</summary>
    public uint Apply(uint mode, bool isDirectory)
    {
        if (_octal is { } o) return o;
        mode &= 0xfff;
        foreach (var (whoGiven, op, perm, capitalX, copy) in _clauses)
        {
            // no who letter: as chmod(1) with a umask of 0 (BuildKit applies no umask), all of ugo
            uint who = whoGiven == 0 ? 0xfffu : whoGiven;
            uint bits = perm;
            if (capitalX && (isDirectory || (mode & 0x49) != 0)) bits |= 0x49;
            if (copy is { } c)
            {
                uint src = c switch { 'u' => (mode >> 6) & 7, 'g' => (mode >> 3) & 7, _ => mode & 7 };
                bits |= src << 6 | src << 3 | src;
            }
            bits &= who;
            mode = op switch
            {
                '+' => mode | bits,
                '-' => mode & ~bits,
                _ => (mode & ~(who & 0xfff & ~(isDirectory ? 0xc00u : 0u))) | bits, // '=' keeps a directory's setuid/setgid as chmod(1) does
            };
        }
        return mode & 0xfff;
    }
}
