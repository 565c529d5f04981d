namespace Quai.Build.Syntax;

/// <summary>The network of a RUN (<c>--network=</c>).</summary>
public enum RunNetwork
{
    /// <summary>The build's default network.</summary>
    Default,
    /// <summary>No network.</summary>
    None,
    /// <summary>The host's network.</summary>
    Host,
}
