namespace Quai.Build.Syntax;

/// <summary>
/// One <c>RUN --mount=type=…,key=value,…</c>, its options typed. The parser reads the literal
/// options; an option whose value references a variable (<c>$X</c>) is kept only in
/// <see cref="Spec"/>: the builder re-parses it with <see cref="Parse"/> and its expander.
/// </summary>
public sealed record RunMount
{
    private static readonly string[] TypeNames = ["bind", "cache", "tmpfs", "secret", "ssh"];
    private static readonly string[] SharingNames = ["shared", "private", "locked"];
    private static readonly string[] Keys =
        ["type", "from", "source", "target", "readonly", "id", "sharing", "required", "size", "mode", "uid", "gid", "src", "dst", "destination", "ro", "rw", "readwrite", "env"];

    /// <summary>The flag's value as written (CSV of options).</summary>
    public required string Spec { get; init; }

    /// <summary>type= (bind when not given).</summary>
    public RunMountType Type { get; init; }

    /// <summary>from=: the stage, image or context to bind or seed the cache from; null when not given.</summary>
    public string? From { get; init; }

    /// <summary>source= / src=; null when not given.</summary>
    public string? Source { get; init; }

    /// <summary>target= / dst= / destination=; null when not given.</summary>
    public string? Target { get; init; }

    /// <summary>ro / readonly / rw / readwrite; when not given, true except for cache and tmpfs mounts.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>size= of a tmpfs in bytes (k/m/g/t/p binary suffixes); 0 when not given.</summary>
    public long SizeLimit { get; init; }

    /// <summary>id= (cache id, or secret id); null when not given.</summary>
    public string? Id { get; init; }

    /// <summary>sharing= of a cache mount; null when not given (shared).</summary>
    public MountSharing? Sharing { get; init; }

    /// <summary>required (secret and ssh mounts).</summary>
    public bool Required { get; init; }

    /// <summary>env= of a secret: the variable to put it in; "" for env= without a name; null when not given.</summary>
    public string? Env { get; init; }

    /// <summary>mode= (octal) of a secret, ssh or cache mount; null when not given.</summary>
    public uint? Mode { get; init; }

    /// <summary>uid= of a secret, ssh or cache mount; null when not given.</summary>
    public uint? Uid { get; init; }

    /// <summary>gid= of a secret, ssh or cache mount; null when not given.</summary>
    public uint? Gid { get; init; }

    /// <summary>
    /// Parses a --mount value, passing each option value through <paramref name="expand"/> first
    /// (e.g. a <see cref="ShellWordExpander"/> over the stage's ARG/ENV; identity for literal
    /// values). Throws <see cref="FormatException"/> with BuildKit's message for a bad option.
    /// </summary>
    public static RunMount Parse(string spec, Func<string, string> expand)
    {
        ArgumentNullException.ThrowIfNull(expand);
        try { return Parse(spec, expand, deferVariables: false); }
        catch (SyntaxError e) { throw new FormatException(e.Message); }
    }

    /// <summary>The parser's reading: literal values checked, values holding a $ left to the builder.</summary>
    internal static RunMount ParseLiteral(string spec) => Parse(spec, null, deferVariables: true);

    private static RunMount Parse(string spec, Func<string, string>? expand, bool deferVariables)
    {
        var fields = CsvFields.Parse(spec, "mounts");
        var type = RunMountType.Bind;
        string? from = null, source = null, target = null, id = null, env = null;
        bool readOnly = false, required = false, roAuto = true, deferred = false, typeDeferred = false;
        long size = 0;
        MountSharing? sharing = null;
        uint? mode = null, uid = null, gid = null;

        foreach (var field in fields)
        {
            int eq = field.IndexOf('=');
            string key = (eq < 0 ? field : field[..eq]).ToLowerInvariant();
            if (eq < 0)
            {
                switch (key)
                {
                    case "readonly" or "ro":
                        readOnly = true;
                        roAuto = false;
                        continue;
                    case "readwrite" or "rw":
                        readOnly = false;
                        roAuto = false;
                        continue;
                    case "required":
                        if (type is not (RunMountType.Secret or RunMountType.Ssh) && !typeDeferred) throw UnexpectedForType(key, type);
                        required = true;
                        continue;
                    default:
                        throw new SyntaxError($"invalid field '{field}' must be a key=value pair");
                }
            }

            string value = field[(eq + 1)..];
            if (expand is not null) value = expand(value);
            else if (deferVariables && value.Contains('$'))
            {
                if (key == "from")
                {
                    if (value.IndexOf('$') != value.Length - 1)
                        throw new SyntaxError($"'{key}' doesn't support variable expansion, define alias stage instead");
                }
                else
                {
                    if (Array.IndexOf(Keys, key) < 0) throw UnknownKey(key, field);
                    deferred = true;
                    typeDeferred |= key == "type";
                    switch (key)
                    {
                        case "source" or "src": source = value; break;
                        case "target" or "dst" or "destination": target = value; break;
                        case "id": id = value; break;
                        case "env": env = value; break;
                    }
                    continue;
                }
            }

            switch (key)
            {
                case "type":
                    int typeIndex = Array.IndexOf(TypeNames, value.ToLowerInvariant());
                    if (typeIndex < 0)
                        throw new SyntaxError(Suggestion.Wrap($"unsupported mount type {GoText.Quote(value)}", value, TypeNames, caseSensitive: true));
                    type = (RunMountType)typeIndex;
                    break;
                case "from":
                    from = NullIfEmpty(value);
                    break;
                case "source" or "src":
                    source = NullIfEmpty(value);
                    break;
                case "target" or "dst" or "destination":
                    target = NullIfEmpty(value);
                    break;
                case "readonly" or "ro":
                    if (!GoText.TryParseBool(value, out readOnly)) throw InvalidValue(key, value);
                    roAuto = false;
                    break;
                case "readwrite" or "rw":
                    if (!GoText.TryParseBool(value, out bool rw)) throw InvalidValue(key, value);
                    readOnly = !rw;
                    roAuto = false;
                    break;
                case "required":
                    if (type is not (RunMountType.Secret or RunMountType.Ssh) && !typeDeferred) throw UnexpectedForType(key, type);
                    if (!GoText.TryParseBool(value, out required)) throw InvalidValue(key, value);
                    break;
                case "size":
                    if (type != RunMountType.Tmpfs && !typeDeferred) throw UnexpectedForType(key, type);
                    if (!SizeParser.TryParseRam(value, out size)) throw InvalidValue(key, value);
                    break;
                case "id":
                    id = NullIfEmpty(value);
                    break;
                case "sharing":
                    int sharingIndex = Array.IndexOf(SharingNames, value.ToLowerInvariant());
                    if (sharingIndex < 0)
                        throw new SyntaxError(Suggestion.Wrap($"unsupported sharing value {GoText.Quote(value)}", value, SharingNames, caseSensitive: true));
                    sharing = (MountSharing)sharingIndex;
                    break;
                case "mode":
                    mode = GoText.TryParseUInt32(value, 8, out uint m) ? m : throw new SyntaxError($"invalid value {value} for mode");
                    break;
                case "uid":
                    uid = GoText.TryParseUInt32(value, 10, out uint u) ? u : throw new SyntaxError($"invalid value {value} for uid");
                    break;
                case "gid":
                    gid = GoText.TryParseUInt32(value, 10, out uint g) ? g : throw new SyntaxError($"invalid value {value} for gid");
                    break;
                case "env":
                    env = value;
                    break;
                default:
                    throw UnknownKey(key, field);
            }
        }

        string typeName = TypeNames[(int)type];
        if (!deferred)
        {
            bool fileInfoAllowed = type is RunMountType.Secret or RunMountType.Ssh or RunMountType.Cache;
            if (!fileInfoAllowed)
            {
                if (mode is not null) throw new SyntaxError($"mode not allowed for {GoText.Quote(typeName)} type mounts");
                if (uid is not null) throw new SyntaxError($"uid not allowed for {GoText.Quote(typeName)} type mounts");
                if (gid is not null) throw new SyntaxError($"gid not allowed for {GoText.Quote(typeName)} type mounts");
            }
        }
        if (roAuto) readOnly = type is not (RunMountType.Cache or RunMountType.Tmpfs);
        if (!deferred)
        {
            if (type == RunMountType.Secret)
            {
                if (from is not null) throw new SyntaxError("secret mount should not have a from");
                if (sharing is not null) throw new SyntaxError("secret mount should not define sharing");
                if (source is null && target is null && id is null) throw new SyntaxError("invalid secret mount. one of source, target required");
                if (source is not null && id is not null) throw new SyntaxError("both source and id can't be set");
            }
            if (sharing is not null && type != RunMountType.Cache) throw new SyntaxError($"invalid cache sharing set for {typeName} mount");
        }

        return new RunMount
        {
            Spec = spec, Type = type, From = from, Source = source, Target = target, ReadOnly = readOnly,
            SizeLimit = size, Id = id, Sharing = sharing, Required = required, Env = env, Mode = mode, Uid = uid, Gid = gid,
        };
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    private static SyntaxError InvalidValue(string key, string value) => new($"invalid value for {key}: {value}");

    private static SyntaxError UnexpectedForType(string key, RunMountType type) =>
        new($"unexpected key '{key}' for mount type '{TypeNames[(int)type]}'");

    private static SyntaxError UnknownKey(string key, string field) =>
        new(Suggestion.Wrap($"unexpected key '{key}' in '{field}'", key, Keys, caseSensitive: true));
}
