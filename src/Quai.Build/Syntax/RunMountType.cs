namespace Quai.Build.Syntax;

/// <summary>The kind of a RUN mount (<c>--mount=type=</c>).</summary>
public enum RunMountType
{
    /// <summary>A directory of the context or of another stage/image (read-only unless rw).</summary>
    Bind,
    /// <summary>A persistent cache directory.</summary>
    Cache,
    /// <summary>A tmpfs.</summary>
    Tmpfs,
    /// <summary>A build secret, as a file (or an environment variable).</summary>
    Secret,
    /// <summary>An SSH agent socket.</summary>
    Ssh,
}
