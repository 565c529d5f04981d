namespace Quai.Build.Lint;

/// <summary>
/// One check of <c>quai build --check</c>: its name (BuildKit's where BuildKit has the check), its
/// description, the page documenting it (BuildKit's rules only) and how to fix what it finds.
/// </summary>
/// <param name="Name">The rule's name, as <c># check=skip=Name</c> takes it.</param>
/// <param name="Description">What the rule asks for, in one sentence.</param>
/// <param name="Url">Docker's page for a BuildKit rule; null for Quai's own rules.</param>
/// <param name="FixHint">How to fix a violation.</param>
/// <param name="Experimental">Off unless enabled with <c>experimental=Name|all</c>, as BuildKit's experimental checks.</param>
public sealed record LintRule(string Name, string Description, string? Url, string FixHint, bool Experimental = false)
{
    /// <summary>True for BuildKit's own checks (they have Docker's documentation page).</summary>
    public bool IsBuildKit => Url is not null;
}
