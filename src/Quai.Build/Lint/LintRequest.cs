using Quai.Build.Context;

namespace Quai.Build.Lint;

/// <summary>What <see cref="DockerfileLinter.Check"/> looks at.</summary>
public sealed record LintRequest
{
    /// <summary>The Dockerfile's text.</summary>
    public required string DockerfileText { get; init; }

    /// <summary>The name findings cite (<c>Dockerfile:3</c>).</summary>
    public string DockerfileName { get; init; } = "Dockerfile";

    /// <summary>--build-arg values (BUILDKIT_DOCKERFILE_CHECK among them replaces the <c># check=</c> directive).</summary>
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();

    /// <summary>--target: the final stage (default: the last).</summary>
    public string? Target { get; init; }

    /// <summary>The build context, for the .dockerignore rules; null when there is none (a Dockerfile on stdin).</summary>
    public BuildContext? Context { get; init; }

    /// <summary>What is known of a base image by its reference (a local image's config); null when unknown.</summary>
    public Func<string, BaseImageFacts?>? BaseImage { get; init; }
}

/// <summary>The parts of a base image's config the rules need.</summary>
/// <param name="Env">The names of its environment variables.</param>
/// <param name="User">Its USER, or null/empty for root.</param>
/// <param name="HasShell">True when its config sets a SHELL.</param>
public sealed record BaseImageFacts(IReadOnlyCollection<string> Env, string? User, bool HasShell);
