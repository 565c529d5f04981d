namespace Quai.Build.Executor;

/// <summary>What `quai build` asks for, already parsed from its flags.</summary>
public sealed class BuildRequest
{
    /// <summary>The context directory on the host.</summary>
    public required string ContextDir { get; init; }
    /// <summary>The Dockerfile's text and the name errors use for it.</summary>
    public required string DockerfileText { get; init; }
    public string DockerfileName { get; init; } = "Dockerfile";
    /// <summary>The Dockerfile's path relative to the context, when it is inside it (hidden from COPY as Docker does).</summary>
    public string? DockerfileInContext { get; init; } = "Dockerfile";
    public IReadOnlyList<string> Tags { get; init; } = [];
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public string? Target { get; init; }
    public bool NoCache { get; init; }
    /// <summary>Where step lines and RUN output go.</summary>
    public TextWriter Progress { get; init; } = TextWriter.Null;
    /// <summary>--platform: the platforms to build (several: an image index of them); empty: the host's.</summary>
    public IReadOnlyList<Quai.Oci.Image.Platform> Platforms { get; init; } = [];
}
