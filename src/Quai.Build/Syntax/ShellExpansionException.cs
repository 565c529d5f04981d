namespace Quai.Build.Syntax;

/// <summary>
/// Thrown by <see cref="ShellWordExpander"/> when a word cannot be expanded (an unterminated quote,
/// a bad ${...}, a ${VAR:?message} whose variable is unset…). The message is BuildKit's, e.g.
/// <c>failed to process "${FOO:?}": FOO: is not allowed to be empty</c>; the builder adds the
/// file and line (see <see cref="DockerfileParseException"/>).
/// </summary>
public sealed class ShellExpansionException(string message) : Exception(message);
