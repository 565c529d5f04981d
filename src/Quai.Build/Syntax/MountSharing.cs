namespace Quai.Build.Syntax;

/// <summary>How concurrent builds share a cache mount (<c>sharing=</c>).</summary>
public enum MountSharing
{
    /// <summary>Used by several writers at once.</summary>
    Shared,
    /// <summary>A new instance for each concurrent writer.</summary>
    Private,
    /// <summary>Writers wait for each other.</summary>
    Locked,
}
