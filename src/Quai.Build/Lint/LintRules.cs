namespace Quai.Build.Lint;

/// <summary>
/// The rule set: BuildKit's build checks (names, descriptions and pages as Docker documents them in
/// "Build checks") and Quai's rules from the course's image-optimisation advice.
/// </summary>
public static class LintRules
{
    private const string Docs = "https://docs.docker.com/go/dockerfile/rule/";

    // BuildKit's checks
    public static readonly LintRule StageNameCasing = new("StageNameCasing", "Stage names should be lowercase", Docs + "stage-name-casing/",
        "Write the stage name in lower case (stage names are case-insensitive).");
    public static readonly LintRule FromAsCasing = new("FromAsCasing", "The 'as' keyword should match the case of the 'from' keyword", Docs + "from-as-casing/",
        "Write AS in the same case as FROM (FROM … AS, or from … as).");
    public static readonly LintRule NoEmptyContinuation = new("NoEmptyContinuation", "Empty continuation lines will become errors in a future release", Docs + "no-empty-continuation/",
        "Remove the empty line, or put a comment on it.");
    public static readonly LintRule ConsistentInstructionCasing = new("ConsistentInstructionCasing", "All commands within the Dockerfile should use the same casing (either upper or lower)", Docs + "consistent-instruction-casing/",
        "Write every instruction keyword in the same case (upper case is the convention).");
    public static readonly LintRule DuplicateStageName = new("DuplicateStageName", "Stage names should be unique", Docs + "duplicate-stage-name/",
        "Give each stage its own name.");
    public static readonly LintRule ReservedStageName = new("ReservedStageName", "Reserved words should not be used as stage names", Docs + "reserved-stage-name/",
        "Rename the stage: 'scratch' and 'context' are reserved.");
    public static readonly LintRule JsonArgsRecommended = new("JSONArgsRecommended", "JSON arguments recommended for ENTRYPOINT/CMD to prevent unintended behavior related to OS signals", Docs + "json-args-recommended/",
        "Use the exec form, e.g. CMD [\"executable\", \"arg\"], so the process is PID 1 and receives signals; or set SHELL explicitly.");
    public static readonly LintRule MaintainerDeprecated = new("MaintainerDeprecated", "The MAINTAINER instruction is deprecated, use a label instead to define an image author", Docs + "maintainer-deprecated/",
        "Replace it with LABEL org.opencontainers.image.authors=\"…\".");
    public static readonly LintRule UndefinedArgInFrom = new("UndefinedArgInFrom", "FROM command must use declared ARGs", Docs + "undefined-arg-in-from/",
        "Declare the ARG before the first FROM (ARG NAME=default).");
    public static readonly LintRule WorkdirRelativePath = new("WorkdirRelativePath", "Relative workdir without an absolute workdir declared within the build can have unexpected results if the base image changes", Docs + "workdir-relative-path/",
        "Use an absolute path, or set an absolute WORKDIR first.");
    public static readonly LintRule UndefinedVar = new("UndefinedVar", "Variables should be defined before their use", Docs + "undefined-var/",
        "Declare it with ARG or ENV before this line (a global ARG must be declared again inside the stage).");
    public static readonly LintRule MultipleInstructionsDisallowed = new("MultipleInstructionsDisallowed", "Multiple instructions of the same type should not be used in the same stage", Docs + "multiple-instructions-disallowed/",
        "Keep only the last one: the earlier ones have no effect.");
    public static readonly LintRule LegacyKeyValueFormat = new("LegacyKeyValueFormat", "Legacy key/value format with whitespace separator should not be used", Docs + "legacy-key-value-format/",
        "Write key=value (quote a value that has spaces).");
    public static readonly LintRule RedundantTargetPlatform = new("RedundantTargetPlatform", "Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior", Docs + "redundant-target-platform/",
        "Remove the --platform flag.");
    public static readonly LintRule SecretsUsedInArgOrEnv = new("SecretsUsedInArgOrEnv", "Sensitive data should not be used in the ARG or ENV commands", Docs + "secrets-used-in-arg-or-env/",
        "Pass secrets with RUN --mount=type=secret (quai build --secret): ARG and ENV values stay in the image's history and config.");
    public static readonly LintRule InvalidDefaultArgInFrom = new("InvalidDefaultArgInFrom", "Default value for global ARG results in an empty or invalid base image name", Docs + "invalid-default-arg-in-from/",
        "Give the global ARG a default that makes a valid image name.");
    public static readonly LintRule FromPlatformFlagConstDisallowed = new("FromPlatformFlagConstDisallowed", "FROM --platform flag should not use a constant value", Docs + "from-platform-flag-const-disallowed/",
        "Drop --platform (use the build's --platform), use $BUILDPLATFORM, or name the stage after the platform.");
    public static readonly LintRule CopyIgnoredFile = new("CopyIgnoredFile", "Attempting to Copy file that is excluded by .dockerignore", Docs + "copy-ignored-file/",
        "Remove the file from .dockerignore, or stop copying it.", Experimental: true);
    public static readonly LintRule ExposeProtoCasing = new("ExposeProtoCasing", "Protocol in EXPOSE instruction should be lowercase", Docs + "expose-proto-casing/",
        "Write the protocol in lower case (80/tcp).");
    public static readonly LintRule ExposeInvalidFormat = new("ExposeInvalidFormat", "IP address and host-port mapping should not be used in EXPOSE instruction. This will become an error in a future release", Docs + "expose-invalid-format/",
        "EXPOSE only the container port (EXPOSE 80); publish with quai run -p HOST:CONTAINER.");

    // Quai's rules (the course's optimisation advice)
    public static readonly LintRule ConsecutiveRunInstructions = new("ConsecutiveRunInstructions", "Consecutive RUN instructions should be merged to keep the number of layers down", null,
        "Join the commands with && in one RUN (a heredoc, RUN <<EOF, keeps a long script readable).");
    public static readonly LintRule PackageCacheNotCleaned = new("PackageCacheNotCleaned", "Package-manager caches should be removed in the RUN that installs the packages", null,
        "Clean in the same RUN (apt-get: && rm -rf /var/lib/apt/lists/*; apk add --no-cache; pip install --no-cache-dir; dnf/yum clean all), or use RUN --mount=type=cache.");
    public static readonly LintRule UnpinnedBaseImage = new("UnpinnedBaseImage", "Base images should be pinned to a version", null,
        "Name a version tag (alpine:3.20) or a digest (alpine@sha256:…), not latest or no tag.");
    public static readonly LintRule UnpinnedPackageVersions = new("UnpinnedPackageVersions", "Installed packages should have pinned versions", null,
        "Pin at least major.minor (apt-get install curl=8.5.*, apk add curl=8.5.0-r0, pip install flask==3.0.*), or install from a lock file.");
    public static readonly LintRule MissingDockerignore = new("MissingDockerignore", "The build context should have a .dockerignore", null,
        "Add a .dockerignore (same syntax as .gitignore) leaving out .git, build outputs, local secrets and the Dockerfile.");
    public static readonly LintRule CopyContextBeforeDependencies = new("CopyContextBeforeDependencies", "Dependency manifests should be copied and installed before the rest of the sources", null,
        "COPY only the manifests (package.json, requirements.txt, go.mod…) first, install, then COPY . . so source changes keep the install cached.");
    public static readonly LintRule BuildToolsInFinalStage = new("BuildToolsInFinalStage", "Build tools should not be installed in the final stage", null,
        "Build in an earlier stage (FROM … AS build) and COPY --from=build only the result into the final one.");
    public static readonly LintRule NoUser = new("NoUser", "The image should not run as root", null,
        "Add USER with an unprivileged user (USER 1000:1000, or one created with adduser) in the final stage.");
    public static readonly LintRule SecretValueInArgOrEnv = new("SecretValueInArgOrEnv", "Credentials should not be written in ARG or ENV values", null,
        "Remove the credential from the Dockerfile and pass it with RUN --mount=type=secret; rotate it, it is in the history now.");

    /// <summary>Every rule, BuildKit's first.</summary>
    public static IReadOnlyList<LintRule> All { get; } =
    [
        StageNameCasing, FromAsCasing, NoEmptyContinuation, ConsistentInstructionCasing, DuplicateStageName, ReservedStageName,
        JsonArgsRecommended, MaintainerDeprecated, UndefinedArgInFrom, WorkdirRelativePath, UndefinedVar, MultipleInstructionsDisallowed,
        LegacyKeyValueFormat, RedundantTargetPlatform, SecretsUsedInArgOrEnv, InvalidDefaultArgInFrom, FromPlatformFlagConstDisallowed,
        CopyIgnoredFile, ExposeProtoCasing, ExposeInvalidFormat,
        ConsecutiveRunInstructions, PackageCacheNotCleaned, UnpinnedBaseImage, UnpinnedPackageVersions, MissingDockerignore,
        CopyContextBeforeDependencies, BuildToolsInFinalStage, NoUser, SecretValueInArgOrEnv,
    ];
}
