namespace Quai.Build.Syntax;

/// <summary>
/// A here-document of RUN, COPY or ADD: <c>&lt;&lt;EOF</c> on the instruction line, its body on the
/// following lines up to the line <c>EOF</c>.
/// </summary>
/// <param name="Name">The delimiter word, quotes removed (for COPY/ADD the name of the file created).</param>
/// <param name="Content">The body, line endings included; leading tabs already removed for <c>&lt;&lt;-</c>.</param>
/// <param name="Expand">False when the delimiter was quoted (<c>&lt;&lt;'EOF'</c>, <c>&lt;&lt;"EOF"</c>): variables in the body stay literal.</param>
/// <param name="Chomp">True for <c>&lt;&lt;-</c> (leading tabs of the body and of the terminator stripped).</param>
/// <param name="FileDescriptor">The descriptor before <c>&lt;&lt;</c> (<c>3&lt;&lt;EOF</c>); 0 when none.</param>
public sealed record Heredoc(string Name, string Content, bool Expand, bool Chomp = false, int FileDescriptor = 0);
