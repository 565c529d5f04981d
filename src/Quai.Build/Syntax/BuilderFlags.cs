namespace Quai.Build.Syntax;

/// <summary>
/// The --flags an instruction accepts and their values (BuildKit's BFlags): booleans
/// (<c>--link</c>, <c>--link=false</c>), strings (<c>--from=x</c>) and repeatable strings
/// (<c>--mount=…</c>). Anything else is "unknown flag".
/// </summary>
internal sealed class BuilderFlags(IReadOnlyList<string> args)
{
    internal enum Kind { Bool, String, Strings }

    private readonly List<Flag> _flags = [];

    public sealed class Flag(string name, Kind kind, string value)
    {
        public string Name { get; } = name;
        internal Kind Kind { get; } = kind;
        public string Value { get; set; } = value;
        public List<string> Values { get; } = [];
        public bool Used { get; set; }
        public bool IsTrue => Value == "true";
        /// <summary>The value, or null when empty (not given, or given empty).</summary>
        public string? ValueOrNull => Value.Length == 0 ? null : Value;
    }

    public Flag AddBool(string name) => Add(name, Kind.Bool, "false");

    public Flag AddString(string name, string defaultValue = "") => Add(name, Kind.String, defaultValue);

    public Flag AddStrings(string name) => Add(name, Kind.Strings, "");

    private Flag Add(string name, Kind kind, string value)
    {
        var flag = new Flag(name, kind, value);
        _flags.Add(flag);
        return flag;
    }

    /// <summary>Reads the flags into the declared ones; throws with BuildKit's message.</summary>
    public void Parse()
    {
        foreach (var arg in args)
        {
            if (arg == "--") return; // the end of the flags
            if (!arg.StartsWith("--", StringComparison.Ordinal)) throw new SyntaxError($"arg should start with -- : {arg}");

            int eq = arg.IndexOf('=');
            bool hasValue = eq >= 0;
            string flagName = hasValue ? arg[..eq] : arg;
            string value = hasValue ? arg[(eq + 1)..] : "";
            string name = flagName[2..];

            var flag = _flags.Find(f => f.Name == name)
                ?? throw new SyntaxError(Suggestion.Wrap($"unknown flag: {flagName}", name, _flags.Select(f => f.Name), caseSensitive: true));
            if (flag.Used && flag.Kind != Kind.Strings) throw new SyntaxError($"duplicate flag specified: {flagName}");
            flag.Used = true;

            switch (flag.Kind)
            {
                case Kind.Bool:
                    if (hasValue && value.Length == 0) throw new SyntaxError($"missing a value on flag: {flagName}");
                    flag.Value = value.ToLowerInvariant() switch
                    {
                        "true" or "" => "true",
                        "false" => "false",
                        _ => throw new SyntaxError($"expecting boolean value for flag {flagName}, not: {value}"),
                    };
                    break;
                case Kind.String:
                    if (!hasValue) throw new SyntaxError($"missing a value on flag: {flagName}");
                    flag.Value = value;
                    break;
                case Kind.Strings:
                    if (!hasValue) throw new SyntaxError($"missing a value on flag: {flagName}");
                    flag.Values.Add(value);
                    break;
            }
        }
    }
}
