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
    /// <summary>The Dockerfile's own ignore file (<c>NAME.dockerignore</c> next to it), which replaces the context's .dockerignore.</summary>
    public string? DockerignoreText { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public string? Target { get; init; }
    /// <summary>Pulls a base image (store, reference, platform) into the store; null: base images come from the store only.
    /// The CLI gives the registry client's pull, so the builder does not depend on the registry component.</summary>
    public Action<Quai.Images.ImageStore, string, Quai.Oci.Image.Platform>? PullBase { get; init; }
    /// <summary><c>--pull</c>: pull every FROM image even when the store has it.</summary>
    public bool AlwaysPull { get; init; }
    public bool NoCache { get; init; }
    /// <summary>Where step lines and RUN output go.</summary>
    public TextWriter Progress { get; init; } = TextWriter.Null;
    /// <summary>How steps are reported (<c>--progress</c>); null: BuildKit's plain lines on <see cref="Progress"/>.</summary>
    public BuildProgress? Reporter { get; init; }
    /// <summary><c>--no-cache-filter</c>: stages (by name) built without the cache.</summary>
    public IReadOnlyList<string> NoCacheFilter { get; init; } = [];
    /// <summary>False for outputs that are no image (<c>-o type=local|tar</c>): nothing is tagged, labelled or
    /// kept as a build result; the steps stay in the cache.</summary>
    public bool KeepImage { get; init; } = true;
    /// <summary>--secret: what RUN --mount=type=secret may read, by id.</summary>
    public IReadOnlyDictionary<string, BuildSecret> Secrets { get; init; } = new Dictionary<string, BuildSecret>();
    /// <summary>--ssh: the agent sockets RUN --mount=type=ssh may reach, by id.</summary>
    public IReadOnlyDictionary<string, BuildSsh> Ssh { get; init; } = new Dictionary<string, BuildSsh>();
    /// <summary>--network: the network of every RUN without its own --network (default, none, host).</summary>
    public string Network { get; init; } = "default";
    /// <summary>--add-host entries ("host:ip"; ip may be host-gateway).</summary>
    public IReadOnlyList<string> ExtraHosts { get; init; } = [];
    /// <summary>--shm-size of every RUN container in bytes (0: the engine's 64 MiB).</summary>
    public long ShmSize { get; init; }
    /// <summary>--ulimit of every RUN container.</summary>
    public IReadOnlyList<Quai.Engine.Containers.Ulimit> Ulimits { get; init; } = [];
    /// <summary>--platform: the platforms to build (several: an image index of them); empty: the host's.</summary>
    public IReadOnlyList<Quai.Oci.Image.Platform> Platforms { get; init; } = [];
}
