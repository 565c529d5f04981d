namespace Quai.Build.Syntax;

/// <summary>
/// Parses Dockerfile text into a <see cref="Dockerfile"/> the way Docker's BuildKit frontend does
/// (its parser, instructions and shell packages): same lexing, same argument splitting, same
/// errors. It does not expand variables: see <see cref="ShellWordExpander"/>.
/// </summary>
public static class DockerfileParser
{
    /// <summary>
    /// Parses <paramref name="text"/>; throws <see cref="DockerfileParseException"/> naming
    /// <paramref name="fileName"/> and the line.
    /// </summary>
    public static Dockerfile Parse(string text, string fileName = "Dockerfile") => Parse(text, fileName, allowDuplicateStageNames: false);

    /// <summary>
    /// Parse, optionally leaving two stages with one name in (the linter's reading: BuildKit only
    /// warns about them, with its DuplicateStageName check).
    /// </summary>
    internal static Dockerfile Parse(string text, string fileName, bool allowDuplicateStageNames)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(fileName);
        if (text.Length == 0) throw new DockerfileParseException(fileName, 1, "the Dockerfile cannot be empty");

        LexResult lexed;
        try { lexed = DockerfileLexer.Lex(text); }
        catch (SyntaxError e) { throw new DockerfileParseException(fileName, e.Line, e.Message); }

        var globalArgs = new List<ArgInstruction>();
        var stages = new List<(FromInstruction From, List<Instruction> Instructions)>();
        foreach (var node in lexed.Instructions)
        {
            Instruction instruction;
            try { instruction = InstructionParser.Parse(node); }
            catch (SyntaxError e) { throw new DockerfileParseException(fileName, node.StartLine, e.Message); }

            switch (instruction)
            {
                case ArgInstruction arg when stages.Count == 0:
                    globalArgs.Add(arg);
                    break;
                case FromInstruction from:
                    if (!allowDuplicateStageNames && from.StageName is { } name && stages.Exists(s => s.From.StageName == name))
                        throw new DockerfileParseException(fileName, node.StartLine, $"Duplicate stage name {GoText.Quote(name)}, stage names should be unique");
                    stages.Add((from, []));
                    break;
                default:
                    if (stages.Count == 0) throw new DockerfileParseException(fileName, node.StartLine, "no build stage in current context");
                    stages[^1].Instructions.Add(instruction);
                    break;
            }
        }
        if (stages.Count == 0)
            throw new DockerfileParseException(fileName, lexed.Instructions[^1].EndLine, "dockerfile contains no stages to build");

        return new Dockerfile(
            lexed.Directives,
            lexed.EscapeToken,
            globalArgs,
            stages.Select((s, i) => new Stage(i, s.From.StageName, s.From, s.Instructions)).ToList());
    }
}
