namespace Quai.Build.Tests.Lint;

using Quai.Build.Lint;

/// <summary>Each rule: a Dockerfile that violates it (the exact message and line) and one that does not.</summary>
public sealed class LintRuleTests
{
    internal static LintReport Check(string text, Dictionary<string, string>? args = null, string? target = null, Func<string, BaseImageFacts?>? baseImage = null) =>
        DockerfileLinter.Check(new LintRequest { DockerfileText = text, BuildArgs = args ?? [], Target = target, BaseImage = baseImage });

    private static string[] Of(LintReport report, string rule) =>
        !LintRules.All.Any(r => r.Name == rule) ? throw new ArgumentException($"no rule {rule}") : report.Findings.Where(f => f.Rule.Name == rule).Select(f => $"{f.Location("Dockerfile")}: {f.Message}").ToArray();

    /// <summary>rule, Dockerfile, the findings of that rule expected ("Dockerfile:LINE: message").</summary>
    public static TheoryData<string, string, string[]> Violations => new()
    {
        { "StageNameCasing", "FROM alpine:3.20 AS BuilderBase\nUSER app\n", ["Dockerfile:1: Stage name 'BuilderBase' should be lowercase"] },
        { "FromAsCasing", "FROM alpine:3.20 as builder\nUSER app\n", ["Dockerfile:1: 'as' and 'FROM' keywords' casing do not match"] },
        { "FromAsCasing", "from alpine:3.20 AS builder\nuser app\n", ["Dockerfile:1: 'AS' and 'from' keywords' casing do not match"] },
        { "NoEmptyContinuation", "FROM alpine:3.20\nRUN apk add --no-cache \\\n\n    gnupg=2.4.5-r0\nUSER app\n", ["Dockerfile:2-4: Empty continuation line"] },
        { "ConsistentInstructionCasing", "FROM alpine:3.20\nUSER app\nEntryPoint [\"/bin/sh\"]\n", ["Dockerfile:3: Command 'EntryPoint' should match the case of the command majority (uppercase)"] },
        { "ConsistentInstructionCasing", "\n# majority lower\nFROM scratch\ncopy Dockerfile /foo\ncopy Dockerfile /bar\ncopy Dockerfile /baz\n", ["Dockerfile:3: Command 'FROM' should match the case of the command majority (lowercase)"] },
        { "DuplicateStageName", "FROM scratch AS b\nFROM scratch AS b\n", ["Dockerfile:2: Duplicate stage name \"b\", stage names should be unique"] },
        { "ReservedStageName", "FROM scratch AS scratch\nFROM scratch AS context\n", ["Dockerfile:1: Stage name should not use the same name as reserved stage \"scratch\"", "Dockerfile:2: Stage name should not use the same name as reserved stage \"context\""] },
        { "JSONArgsRecommended", "FROM alpine:3.20\nUSER app\nCMD echo \"Hello, world!\"\nENTRYPOINT my-program start\n", ["Dockerfile:3: JSON arguments recommended for CMD to prevent unintended behavior related to OS signals", "Dockerfile:4: JSON arguments recommended for ENTRYPOINT to prevent unintended behavior related to OS signals"] },
        { "MaintainerDeprecated", "FROM alpine:3.20\nMAINTAINER moby@example.com\nUSER app\n", ["Dockerfile:2: Maintainer instruction is deprecated in favor of using label"] },
        { "UndefinedArgInFrom", "ARG VARIANTS=alpine\nFROM node:22-${VARIANT}\nUSER node\n", ["Dockerfile:2: FROM argument 'VARIANT' is not declared (did you mean VARIANTS?)"] },
        { "WorkdirRelativePath", "FROM alpine:3.20\nWORKDIR app/src\nWORKDIR more\nUSER app\n", ["Dockerfile:2: Relative workdir \"app/src\" can have unexpected results if the base image changes"] },
        { "UndefinedVar", "FROM alpine:3.20 AS base\nCOPY $foo .\nUSER app\n", ["Dockerfile:2: Usage of undefined variable '$foo'"] },
        { "UndefinedVar", "FROM alpine:3.20\nARG VERSION=1\nENV PATH=/x:$PAHT V=$VERSOIN\nUSER app\n", ["Dockerfile:3: Usage of undefined variable '$PAHT' (did you mean $PATH?)", "Dockerfile:3: Usage of undefined variable '$VERSOIN' (did you mean $VERSION?)"] },
        { "UndefinedVar", "FROM alpine:3.20 AS base\nARG VERSION=$foo\nUSER app\n", ["Dockerfile:2: Usage of undefined variable '$foo'"] },
        // BuildKit's lexer looks the name up whatever the modifier
        { "UndefinedVar", "FROM alpine:3.20\nWORKDIR /${MAYBE:-default}\nUSER app\n", ["Dockerfile:2: Usage of undefined variable '$MAYBE'"] },
        { "UndefinedArgInFrom", "FROM ${BASE:-alpine}:3.20\nUSER app\n", ["Dockerfile:1: FROM argument 'BASE' is not declared"] },
        { "MultipleInstructionsDisallowed", "FROM alpine:3.20\nUSER app\nCMD [\"a\"]\nCMD [\"b\"]\nHEALTHCHECK CMD [\"x\"]\nHEALTHCHECK NONE\n", ["Dockerfile:3: Multiple CMD instructions should not be used in the same stage because only the last one will be used", "Dockerfile:5: Multiple HEALTHCHECK instructions should not be used in the same stage because only the last one will be used"] },
        { "LegacyKeyValueFormat", "FROM alpine:3.20\nENV DEBIAN_FRONTEND noninteractive\nLABEL maintainer someone\nUSER app\n", ["Dockerfile:2: \"ENV key=value\" should be used instead of legacy \"ENV key value\" format", "Dockerfile:3: \"LABEL key=value\" should be used instead of legacy \"LABEL key value\" format"] },
        { "RedundantTargetPlatform", "FROM --platform=$TARGETPLATFORM alpine:3.20 AS builder\nUSER app\n", ["Dockerfile:1: Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior"] },
        { "SecretsUsedInArgOrEnv", "ARG GLOBAL_TOKEN\nFROM alpine:3.20\nENV AWS_SECRET_ACCESS_KEY=x\narg password\nUSER app\n", ["Dockerfile:3: Do not use ARG or ENV instructions for sensitive data (ENV \"AWS_SECRET_ACCESS_KEY\")", "Dockerfile:4: Do not use ARG or ENV instructions for sensitive data (ARG \"password\")"] },
        { "InvalidDefaultArgInFrom", "ARG TAG\nFROM busybox:${TAG}\nUSER app\n", ["Dockerfile:2: Default value for ARG busybox:${TAG} results in empty or invalid base image name"] },
        { "FromPlatformFlagConstDisallowed", "FROM --platform=linux/amd64 golang:1.22 AS builder\nUSER app\n", ["Dockerfile:1: FROM --platform flag should not use constant value \"linux/amd64\""] },
        { "ExposeProtoCasing", "FROM alpine:3.20\nEXPOSE 80/TcP 443\nUSER app\n", ["Dockerfile:2: Defined protocol '80/TcP' in EXPOSE instruction should be lowercase"] },
        { "ExposeInvalidFormat", "FROM alpine:3.20\nEXPOSE 127.0.0.1:80:80\nUSER app\n", ["Dockerfile:2: EXPOSE instruction should not define an IP address or host-port mapping, found '127.0.0.1:80:80'"] },
        // Quai's rules
        { "ConsecutiveRunInstructions", "FROM alpine:3.20\nRUN echo a\nRUN echo b \\\n  c\nRUN echo d\nUSER app\nRUN echo e\n", ["Dockerfile:2-5: 3 consecutive RUN instructions make 3 layers; merge them into one RUN"] },
        { "PackageCacheNotCleaned", "FROM debian:12\nRUN apt-get update && apt-get install -y curl=7.88.1-10\nRUN apk add curl=8.5.0-r0\nRUN pip install flask==3.0.0\nUSER app\n",
            ["Dockerfile:2: apt-get install without rm -rf /var/lib/apt/lists/* in the same RUN keeps the package lists in the layer", "Dockerfile:3: apk add without --no-cache keeps the package index in the layer", "Dockerfile:4: pip install without --no-cache-dir keeps pip's download cache in the layer"] },
        { "PackageCacheNotCleaned", "FROM fedora:40\nRUN dnf install -y gcc-14.1.1\nUSER app\n", ["Dockerfile:2: dnf install without dnf clean all in the same RUN keeps its cache in the layer"] },
        { "UnpinnedBaseImage", "FROM alpine\nFROM ubuntu:latest AS u\nUSER app\n", ["Dockerfile:1: Base image 'alpine' has no tag: it means 'alpine:latest', whatever that is at build time", "Dockerfile:2: Base image 'ubuntu:latest' uses the latest tag: the build changes whenever it moves"] },
        { "UnpinnedBaseImage", "ARG BASE=debian\nFROM $BASE\nUSER app\n", ["Dockerfile:2: Base image 'debian' has no tag: it means 'debian:latest', whatever that is at build time"] },
        { "UnpinnedPackageVersions", "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl git=1:2.39.2-1 \\\n && rm -rf /var/lib/apt/lists/*\nRUN pip install --no-cache-dir flask requests==2.32.0\nUSER app\n",
            ["Dockerfile:2-3: Packages installed without a pinned version: curl", "Dockerfile:4: Packages installed without a pinned version: flask"] },
        { "CopyContextBeforeDependencies", "FROM node:22-alpine\nWORKDIR /app\nCOPY . .\nRUN npm ci\nUSER node\n", ["Dockerfile:3: The whole context is copied before 'npm ci' (line 4): a change to any file runs the install again"] },
        { "BuildToolsInFinalStage", "FROM debian:12\nRUN apt-get update && apt-get install -y build-essential=12.9 make=4.3-4.1 && rm -rf /var/lib/apt/lists/*\nUSER app\n",
            ["Dockerfile:2: Build tools installed in the final stage stay in the image: build-essential, make; a multi-stage build would leave them out"] },
        { "NoUser", "FROM alpine:3.20\nRUN echo hi\n", ["Dockerfile:1: The final stage sets no USER: the container runs as root"] },
        { "NoUser", "FROM alpine:3.20\nUSER app\nRUN echo x\nUSER root\n", ["Dockerfile:4: The final stage ends as USER root: the container runs as root"] },
        { "SecretValueInArgOrEnv", "FROM alpine:3.20\nENV DATABASE_URL=postgres://app:s3cret@db:5432/app\nARG AWS=AKIAIOSFODNN7EXAMPLE\nUSER app\n",
            ["Dockerfile:2: ENV \"DATABASE_URL\" holds what looks like a credential (a password in a URL)", "Dockerfile:3: ARG \"AWS\" holds what looks like a credential (an access token or private key)"] },
    };

    [Theory]
    [MemberData(nameof(Violations))]
    public void A_violation_is_found_with_its_message_and_line(string rule, string dockerfile, string[] expected)
    {
        var report = Check(dockerfile);
        Assert.Equal(expected, Of(report, rule));
        Assert.Equal(1, report.ExitCode);
    }

    /// <summary>rule, a Dockerfile it accepts.</summary>
    public static TheoryData<string, string> Accepted => new()
    {
        { "StageNameCasing", "FROM alpine:3.20 AS builder-base\n" },
        { "FromAsCasing", "FROM alpine:3.20 AS builder\nfrom alpine:3.20 as other\nFrom alpine:3.20 as mixed\n" },
        { "NoEmptyContinuation", "FROM alpine:3.20\nRUN apk add \\\n# a comment is fine\n    gnupg\n\nRUN echo\n" },
        { "ConsistentInstructionCasing", "from scratch\ncopy Dockerfile /foo\ncopy Dockerfile /bar\n" },
        { "DuplicateStageName", "FROM scratch AS b1\nFROM scratch AS b2\n" },
        { "ReservedStageName", "FROM scratch AS base\n" },
        { "JSONArgsRecommended", "FROM alpine:3.20\nCMD [\"echo\", \"hi\"]\nENTRYPOINT [\"/app\"]\n" },
        { "JSONArgsRecommended", "FROM alpine:3.20\nSHELL [\"/bin/sh\", \"-c\"]\nCMD echo explicit shell\n" },
        { "JSONArgsRecommended", "FROM alpine:3.20 AS base\nSHELL [\"/bin/bash\", \"-c\"]\nFROM base\nCMD echo inherited shell\n" },
        { "MaintainerDeprecated", "FROM alpine:3.20\nLABEL org.opencontainers.image.authors=\"moby@example.com\"\n" },
        { "UndefinedArgInFrom", "ARG VARIANT=alpine\nFROM node:22-${VARIANT}\nFROM --platform=$BUILDPLATFORM golang:1.22\n" },
        { "WorkdirRelativePath", "FROM alpine:3.20\nWORKDIR /app\nWORKDIR src\n" },
        { "WorkdirRelativePath", "FROM alpine:3.20\nWORKDIR $HOME\nWORKDIR src\n" },
        { "WorkdirRelativePath", "FROM alpine:3.20 AS base\nWORKDIR /app\nFROM base\nWORKDIR src\n" },
        { "UndefinedVar", "FROM alpine:3.20 AS base\nARG foo\nCOPY $foo .\nENV A=1\nENV B=$A PATH=$PATH:/x\nRUN echo $UNDEFINED_IN_RUN_IS_THE_SHELLS\nARG TARGETARCH\nLABEL arch=$TARGETARCH platform=$TARGETPLATFORM\nLABEL escaped=\\$NOT_A_VAR quoted='$NOT_EITHER'\n" },
        { "UndefinedVar", "FROM alpine:3.20 AS base\nENV FROM_BASE_STAGE=1\nFROM base\nCOPY $FROM_BASE_STAGE /x\n" },
        { "MultipleInstructionsDisallowed", "FROM alpine:3.20 AS a\nCMD [\"a\"]\nFROM a\nCMD [\"b\"]\nENTRYPOINT [\"c\"]\n" },
        { "LegacyKeyValueFormat", "FROM alpine:3.20\nENV DEBIAN_FRONTEND=noninteractive\nLABEL maintainer=someone\n" },
        { "RedundantTargetPlatform", "FROM --platform=$BUILDPLATFORM alpine:3.20\n" },
        { "SecretsUsedInArgOrEnv", "ARG PUBLIC_KEY\nFROM alpine:3.20\nENV KEYBOARD=us MONKEY=1 TOKENIZER=x\n" },
        { "InvalidDefaultArgInFrom", "ARG TAG=latest\nFROM busybox:${TAG}\nARG VARIANT\nFROM busybox:stable${VARIANT}\n" },
        { "FromPlatformFlagConstDisallowed", "FROM --platform=linux/amd64 golang:1.22 AS build_amd64\nFROM --platform=$BUILDPLATFORM golang:1.22 AS build\n" },
        { "ExposeProtoCasing", "FROM alpine:3.20\nEXPOSE 80/tcp 53/udp 443\n" },
        { "ExposeInvalidFormat", "FROM alpine:3.20\nEXPOSE 80 443/tcp\n" },
        { "ConsecutiveRunInstructions", "FROM alpine:3.20\nRUN echo a && echo b\nCOPY x /x\nRUN echo c\nRUN --mount=type=cache,target=/root/.cache echo d\n" },
        { "PackageCacheNotCleaned", "FROM debian:12\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\nRUN apk add --no-cache curl\nRUN pip install --no-cache-dir flask\nRUN --mount=type=cache,target=/var/cache/apt --mount=type=cache,target=/var/lib/apt apt-get install -y git\nRUN dnf install -y gcc && dnf clean all\nRUN echo apt-get install is only text here\n" },
        { "PackageCacheNotCleaned", "FROM python:3.12-slim\nENV PIP_NO_CACHE_DIR=1\nRUN pip install flask==3.0.0\n" },
        { "UnpinnedBaseImage", "FROM alpine:3.20 AS base\nFROM base\nFROM scratch\nFROM alpine@sha256:0000000000000000000000000000000000000000000000000000000000000000\nFROM localhost:5000/app:1.2\n" },
        { "UnpinnedPackageVersions", "FROM debian:12\nRUN apt-get install -y curl=7.88.1-10 ./local.deb\nRUN apk add --no-cache --virtual .build-deps curl=8.5.0-r0 git~2.45\nRUN pip install --no-cache-dir -r requirements.txt flask~=3.0 . \nRUN pip install \"$PACKAGE\"\n" },
        { "CopyContextBeforeDependencies", "FROM node:22-alpine\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n" },
        { "BuildToolsInFinalStage", "FROM debian:12 AS build\nRUN apt-get install -y gcc make\nFROM debian:12\nCOPY --from=build /out /out\n" },
        { "BuildToolsInFinalStage", "FROM alpine:3.20\nRUN apk add --no-cache --virtual .build-deps gcc make && make && apk del .build-deps\n" },
        { "NoUser", "FROM alpine:3.20 AS base\nUSER 1000:1000\nFROM base\nRUN echo inherits the user\n" },
        { "SecretValueInArgOrEnv", "FROM alpine:3.20\nENV URL=https://example.com/path HOME_URL=postgres://db:5432/app REF=$PASSWORD\n" },
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void A_dockerfile_that_keeps_the_rule_gets_no_finding(string rule, string dockerfile)
    {
        Assert.Empty(Of(Check(dockerfile), rule));
    }

    [Fact]
    public void The_target_is_the_final_stage_for_the_final_stage_rules()
    {
        const string dockerfile = "FROM alpine:3.20 AS build\nRUN apk add --no-cache gcc=13.2.1-r0\nFROM alpine:3.20\nUSER app\n";
        Assert.Empty(Of(Check(dockerfile), "BuildToolsInFinalStage"));
        Assert.Empty(Of(Check(dockerfile), "NoUser"));
        var build = Check(dockerfile, target: "build");
        Assert.Equal(["Dockerfile:2: Build tools installed in the final stage stay in the image: gcc; install them in a build stage and COPY --from it only the result"], Of(build, "BuildToolsInFinalStage"));
        Assert.Equal(["Dockerfile:1: The final stage sets no USER: the container runs as root"], Of(build, "NoUser"));
    }

    [Fact]
    public void A_known_base_image_lends_its_env_user_and_shell()
    {
        const string dockerfile = "FROM python:3.12\nWORKDIR /$PYTHON_HOME\nCMD python -m app\n";
        Assert.Equal(["Dockerfile:2: Usage of undefined variable '$PYTHON_HOME'"], Of(Check(dockerfile), "UndefinedVar"));
        Assert.Single(Of(Check(dockerfile), "NoUser"));
        Assert.Single(Of(Check(dockerfile), "JSONArgsRecommended"));
        var known = Check(dockerfile, baseImage: name => name == "python:3.12" ? new BaseImageFacts(["PATH", "PYTHON_HOME"], "app", HasShell: true) : null);
        Assert.Empty(Of(known, "UndefinedVar"));
        Assert.Empty(Of(known, "NoUser"));
        Assert.Empty(Of(known, "JSONArgsRecommended"));
    }

    [Fact]
    public void CopyIgnoredFile_is_experimental_and_MissingDockerignore_needs_a_context()
    {
        var dir = Directory.CreateTempSubdirectory("quai-lint-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "app.txt"), "x");
            File.WriteAllText(Path.Combine(dir, "secret.env"), "x");
            const string dockerfile = "FROM alpine:3.20\nCOPY app.txt secret.env /app/\nUSER app\n";
            LintReport Run(string text)
            {
                using var context = Quai.Build.Context.BuildContext.Open(dir, null);
                return DockerfileLinter.Check(new LintRequest { DockerfileText = text, Context = context });
            }

            Assert.Equal(["Dockerfile:2: The build context has no .dockerignore: COPY and ADD can take everything in it (.git, build outputs, local secrets)"], Of(Run(dockerfile), "MissingDockerignore"));
            Assert.Empty(Of(Check(dockerfile), "MissingDockerignore")); // no context (a Dockerfile on stdin)

            File.WriteAllText(Path.Combine(dir, ".dockerignore"), "*.env\n");
            Assert.Empty(Of(Run(dockerfile), "MissingDockerignore"));
            Assert.Empty(Of(Run(dockerfile), "CopyIgnoredFile"));
            Assert.Equal(["Dockerfile:3: Attempting to Copy file \"secret.env\" that is excluded by .dockerignore"],
                Of(Run("# check=experimental=CopyIgnoredFile\nFROM alpine:3.20\nCOPY app.txt secret.env /app/\nUSER app\n"), "CopyIgnoredFile"));
            Assert.Empty(Of(Run("# check=experimental=CopyIgnoredFile\nFROM alpine:3.20\nCOPY app.txt /app/\nUSER app\n"), "CopyIgnoredFile"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Every_rule_has_a_description_and_a_hint_and_buildkit_rules_a_docs_page()
    {
        Assert.Equal(LintRules.All.Count, LintRules.All.Select(r => r.Name).Distinct().Count());
        foreach (var rule in LintRules.All)
        {
            Assert.False(string.IsNullOrWhiteSpace(rule.Description), rule.Name);
            Assert.False(string.IsNullOrWhiteSpace(rule.FixHint), rule.Name);
            if (rule.Url is { } url) Assert.StartsWith("https://docs.docker.com/go/dockerfile/rule/", url);
        }
        Assert.Equal(20, LintRules.All.Count(r => r.IsBuildKit));
    }
}
