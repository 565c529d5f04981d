namespace Quai.Build.Context;

/// <summary>One thing a COPY source names in the context.</summary>
/// <param name="Name">The path it was matched by, relative to the context root (the source itself, or what a
/// wildcard matched): its last element is the name a copy into a directory takes.</param>
/// <param name="Entry">The entry copied: the one at <paramref name="Name"/>, or, when that is a symlink,
/// the entry it leads to inside the context (COPY follows a source's symlinks, never out of the context).</param>
public sealed record SourceMatch(string Name, ContextEntry Entry);
