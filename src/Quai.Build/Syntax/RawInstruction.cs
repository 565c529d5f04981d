namespace Quai.Build.Syntax;

/// <summary>
/// One instruction as the lexer sees it, before typing (BuildKit's parser.Node): the keyword as
/// written, its --flags, its arguments as the keyword's line parser split them, and its heredocs.
/// </summary>
internal sealed class RawInstruction
{
    public required string Keyword { get; init; }
    public required List<string> Flags { get; init; }
    /// <summary>The logical line (continuations joined, comments dropped), untrimmed.</summary>
    public required string Original { get; init; }
    public List<string> Args { get; set; } = [];
    /// <summary>The arguments were a JSON array (exec form).</summary>
    public bool Json { get; set; }
    /// <summary>ENV and LABEL: key, raw value, and whether the legacy "KEY value" form was used.</summary>
    public List<(string Key, string Value, bool Legacy)> Pairs { get; set; } = [];
    /// <summary>ONBUILD: the trigger instruction.</summary>
    public RawInstruction? Trigger { get; set; }
    public List<RawHeredoc> Heredocs { get; set; } = [];
    public int StartLine { get; set; }
    public int EndLine { get; set; }
}

/// <summary>A heredoc as found on an instruction's line, then filled with its body (untouched).</summary>
internal sealed class RawHeredoc
{
    public required string Name { get; init; }
    public required bool Expand { get; init; }
    public required bool Chomp { get; init; }
    public required int FileDescriptor { get; init; }
    public string Content { get; set; } = "";
}
