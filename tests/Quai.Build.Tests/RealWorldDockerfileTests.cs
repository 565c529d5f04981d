namespace Quai.Build.Tests;

using Quai.Build.Syntax;

/// <summary>Whole Dockerfiles of the kinds people write, each with the exact model expected.</summary>
public sealed class RealWorldDockerfileTests
{
    public static TheoryData<string, string, string> Cases => new()
    {
        {
            "go multi-stage with cache mounts",
            """
            # syntax=docker/dockerfile:1.7
            ARG GO_VERSION=1.22

            FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-alpine AS Build
            WORKDIR /src
            COPY go.mod go.sum ./
            RUN --mount=type=cache,target=/go/pkg/mod \
                go mod download
            COPY . .
            ARG TARGETOS TARGETARCH
            RUN --mount=type=cache,target=/root/.cache/go-build \
                --mount=type=bind,source=.,target=/src,rw \
                CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app ./cmd/app

            FROM scratch
            COPY --from=build /out/app /app
            USER 65534:65534
            EXPOSE 8080/tcp
            ENTRYPOINT ["/app"]
            """,
            """
            directive syntax="docker/dockerfile:1.7" @1
            ARG 2-2 "ARG GO_VERSION=1.22" Args=[{Name="GO_VERSION" Default="1.22"}]
            stage 0 build
              FROM 4-4 "FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-alpine AS Build" Image="golang:${GO_VERSION}-alpine" Platform="$BUILDPLATFORM" StageName="build"
              WORKDIR 5-5 "WORKDIR /src" Path="/src"
              COPY 6-6 "COPY go.mod go.sum ./" Sources=["go.mod", "go.sum"] Destination="./"
              RUN 7-8 "RUN --mount=type=cache,target=/go/pkg/mod     go mod download" Command=["go mod download"] IsShellForm=true Mounts=[{Spec="type=cache,target=/go/pkg/mod" Type=Cache Target="/go/pkg/mod"}]
              COPY 9-9 "COPY . ." Sources=["."] Destination="."
              ARG 10-10 "ARG TARGETOS TARGETARCH" Args=[{Name="TARGETOS"}, {Name="TARGETARCH"}]
              RUN 11-13 "RUN --mount=type=cache,target=/root/.cache/go-build     --mount=type=bind,source=.,target=/src,rw     CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app ./cmd/app" Command=["CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app ./cmd/app"] IsShellForm=true Mounts=[{Spec="type=cache,target=/root/.cache/go-build" Type=Cache Target="/root/.cache/go-build"}, {Spec="type=bind,source=.,target=/src,rw" Source="." Target="/src"}]
            stage 1
              FROM 15-15 "FROM scratch" Image="scratch"
              COPY 16-16 "COPY --from=build /out/app /app" Sources=["/out/app"] Destination="/app" From="build"
              USER 17-17 "USER 65534:65534" User="65534:65534"
              EXPOSE 18-18 "EXPOSE 8080/tcp" Ports=["8080/tcp"]
              ENTRYPOINT 19-19 "ENTRYPOINT [\"/app\"]" Command=["/app"]
            """
        },
        {
            "node app with labels, env continuation and healthcheck",
            """
            FROM node:20-bookworm-slim AS deps
            WORKDIR /app
            COPY package.json package-lock.json ./
            RUN --mount=type=cache,id=npm,target=/root/.npm,sharing=locked npm ci --omit=dev

            FROM node:20-bookworm-slim
            ENV NODE_ENV=production \
                PORT=3000
            LABEL org.opencontainers.image.title="my app" \
                  org.opencontainers.image.version=1.2.3
            WORKDIR /app
            COPY --from=deps --chown=node:node /app/node_modules ./node_modules
            COPY --chown=node:node --chmod=0644 . .
            USER node
            EXPOSE 3000
            HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
              CMD node healthcheck.js || exit 1
            CMD ["node", "server.js"]
            """,
            """
            stage 0 deps
              FROM 1-1 "FROM node:20-bookworm-slim AS deps" Image="node:20-bookworm-slim" StageName="deps"
              WORKDIR 2-2 "WORKDIR /app" Path="/app"
              COPY 3-3 "COPY package.json package-lock.json ./" Sources=["package.json", "package-lock.json"] Destination="./"
              RUN 4-4 "RUN --mount=type=cache,id=npm,target=/root/.npm,sharing=locked npm ci --omit=dev" Command=["npm ci --omit=dev"] IsShellForm=true Mounts=[{Spec="type=cache,id=npm,target=/root/.npm,sharing=locked" Type=Cache Target="/root/.npm" Id="npm" Sharing=Locked}]
            stage 1
              FROM 6-6 "FROM node:20-bookworm-slim" Image="node:20-bookworm-slim"
              ENV 7-8 "ENV NODE_ENV=production     PORT=3000" Variables=[{Key="NODE_ENV" Value="production"}, {Key="PORT" Value="3000"}]
              LABEL 9-10 "LABEL org.opencontainers.image.title=\"my app\"       org.opencontainers.image.version=1.2.3" Labels=[{Key="org.opencontainers.image.title" Value="\"my app\""}, {Key="org.opencontainers.image.version" Value="1.2.3"}]
              WORKDIR 11-11 "WORKDIR /app" Path="/app"
              COPY 12-12 "COPY --from=deps --chown=node:node /app/node_modules ./node_modules" Sources=["/app/node_modules"] Destination="./node_modules" From="deps" Chown="node:node"
              COPY 13-13 "COPY --chown=node:node --chmod=0644 . ." Sources=["."] Destination="." Chown="node:node" Chmod="0644"
              USER 14-14 "USER node" User="node"
              EXPOSE 15-15 "EXPOSE 3000" Ports=["3000"]
              HEALTHCHECK 16-17 "HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3   CMD node healthcheck.js || exit 1" Test=["CMD-SHELL", "node healthcheck.js || exit 1"] Interval=00:00:30 Timeout=00:00:05 StartPeriod=00:00:10 Retries=3
              CMD 18-18 "CMD [\"node\", \"server.js\"]" Command=["node", "server.js"]
            """
        },
        {
            ".NET publish with JSON COPY for paths with spaces",
            """
            # escape=\
            # syntax=docker/dockerfile:1
            FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
            ARG CONFIGURATION=Release
            WORKDIR /src
            COPY ["src/My App/My App.csproj", "src/My App/"]
            RUN dotnet restore "src/My App/My App.csproj"
            COPY . .
            RUN dotnet publish "src/My App/My App.csproj" -c $CONFIGURATION -o /app/publish \
                  /p:UseAppHost=false

            FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS final
            WORKDIR /app
            COPY --from=build --link /app/publish .
            ENV ASPNETCORE_URLS=http://+:8080
            EXPOSE 8080
            STOPSIGNAL SIGINT
            ENTRYPOINT ["dotnet", "My App.dll"]
            """,
            """
            directive escape="\\" @1
            directive syntax="docker/dockerfile:1" @2
            stage 0 build
              FROM 3-3 "FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build" Image="mcr.microsoft.com/dotnet/sdk:10.0" StageName="build"
              ARG 4-4 "ARG CONFIGURATION=Release" Args=[{Name="CONFIGURATION" Default="Release"}]
              WORKDIR 5-5 "WORKDIR /src" Path="/src"
              COPY 6-6 "COPY [\"src/My App/My App.csproj\", \"src/My App/\"]" Sources=["src/My App/My App.csproj"] Destination="src/My App/"
              RUN 7-7 "RUN dotnet restore \"src/My App/My App.csproj\"" Command=["dotnet restore \"src/My App/My App.csproj\""] IsShellForm=true
              COPY 8-8 "COPY . ." Sources=["."] Destination="."
              RUN 9-10 "RUN dotnet publish \"src/My App/My App.csproj\" -c $CONFIGURATION -o /app/publish       /p:UseAppHost=false" Command=["dotnet publish \"src/My App/My App.csproj\" -c $CONFIGURATION -o /app/publish       /p:UseAppHost=false"] IsShellForm=true
            stage 1 final
              FROM 12-12 "FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS final" Image="mcr.microsoft.com/dotnet/aspnet:10.0" StageName="final"
              WORKDIR 13-13 "WORKDIR /app" Path="/app"
              COPY 14-14 "COPY --from=build --link /app/publish ." Sources=["/app/publish"] Destination="." From="build" Link=true
              ENV 15-15 "ENV ASPNETCORE_URLS=http://+:8080" Variables=[{Key="ASPNETCORE_URLS" Value="http://+:8080"}]
              EXPOSE 16-16 "EXPOSE 8080" Ports=["8080"]
              STOPSIGNAL 17-17 "STOPSIGNAL SIGINT" Signal="SIGINT"
              ENTRYPOINT 18-18 "ENTRYPOINT [\"dotnet\", \"My App.dll\"]" Command=["dotnet", "My App.dll"]
            """
        },
        {
            "heredocs: scripts, chomped and quoted delimiters, files, descriptors",
            """
            # syntax=docker/dockerfile:1
            FROM debian:bookworm
            RUN <<EOF
            set -e
            apt-get update
            apt-get install -y curl
            EOF
            RUN <<-'SCRIPT' bash
            →echo "$HOME stays literal"
            →SCRIPT
            COPY <<config.ini <<"motd.txt" /etc/app/
            [server]
            port = ${PORT}
            config.ini
            Welcome to $HOSTNAME
            motd.txt
            RUN python3 <<PY > /tmp/out 3<<DATA
            print(open(3).read())
            PY
            data line
            DATA
            """,
            """
            directive syntax="docker/dockerfile:1" @1
            stage 0
              FROM 2-2 "FROM debian:bookworm" Image="debian:bookworm"
              RUN 3-7 "RUN <<EOF" Command=["<<EOF"] IsShellForm=true Heredocs=[{Name="EOF" Content="set -e\napt-get update\napt-get install -y curl\n" Expand=true}]
              RUN 8-10 "RUN <<-'SCRIPT' bash" Command=["<<-'SCRIPT' bash"] IsShellForm=true Heredocs=[{Name="SCRIPT" Content="echo \"$HOME stays literal\"\n" Chomp=true}]
              COPY 11-16 "COPY <<config.ini <<\"motd.txt\" /etc/app/" Heredocs=[{Name="config.ini" Content="[server]\nport = ${PORT}\n" Expand=true}, {Name="motd.txt" Content="Welcome to $HOSTNAME\n"}] Destination="/etc/app/"
              RUN 17-21 "RUN python3 <<PY > /tmp/out 3<<DATA" Command=["python3 <<PY > /tmp/out 3<<DATA"] IsShellForm=true Heredocs=[{Name="PY" Content="print(open(3).read())\n" Expand=true}, {Name="DATA" Content="data line\n" Expand=true FileDescriptor=3}]
            """
        },
        {
            "windows style with escape=` and SHELL",
            """
            # escape=`
            FROM mcr.microsoft.com/windows/servercore:ltsc2022
            SHELL ["powershell", "-Command", "$ErrorActionPreference = 'Stop';"]
            RUN New-Item -ItemType Directory C:\app ; `
                Set-Location C:\app
            COPY app\ C:\app\
            WORKDIR C:\app
            CMD ["C:\\app\\run.exe"]
            """,
            """
            directive escape="`" @1
            escape `
            stage 0
              FROM 2-2 "FROM mcr.microsoft.com/windows/servercore:ltsc2022" Image="mcr.microsoft.com/windows/servercore:ltsc2022"
              SHELL 3-3 "SHELL [\"powershell\", \"-Command\", \"$ErrorActionPreference = 'Stop';\"]" Shell=["powershell", "-Command", "$ErrorActionPreference = 'Stop';"]
              RUN 4-5 "RUN New-Item -ItemType Directory C:\\app ;     Set-Location C:\\app" Command=["New-Item -ItemType Directory C:\\app ;     Set-Location C:\\app"] IsShellForm=true
              COPY 6-6 "COPY app\\ C:\\app\\" Sources=["app\\"] Destination="C:\\app\\"
              WORKDIR 7-7 "WORKDIR C:\\app" Path="C:\\app"
              CMD 8-8 "CMD [\"C:\\\\app\\\\run.exe\"]" Command=["C:\\app\\run.exe"]
            """
        },
        {
            "base image with ONBUILD triggers, MAINTAINER and volumes",
            """
            FROM alpine:3.20 AS base
            ONBUILD ARG VERSION=1
            ONBUILD COPY . /src
            ONBUILD RUN --mount=type=secret,id=token,env=TOKEN ./build.sh
            ONBUILD RUN <<EOF
            make install
            EOF
            MAINTAINER Jane Doe <jane@example.com>
            VOLUME ["/data", "/logs"]
            VOLUME /cache /tmp/x
            """,
            """
            stage 0 base
              FROM 1-1 "FROM alpine:3.20 AS base" Image="alpine:3.20" StageName="base"
              ONBUILD 2-2 "ONBUILD ARG VERSION=1" Trigger=(ARG 2-2 "ARG VERSION=1" Args=[{Name="VERSION" Default="1"}]) Expression="ARG VERSION=1"
              ONBUILD 3-3 "ONBUILD COPY . /src" Trigger=(COPY 3-3 "COPY . /src" Sources=["."] Destination="/src") Expression="COPY . /src"
              ONBUILD 4-4 "ONBUILD RUN --mount=type=secret,id=token,env=TOKEN ./build.sh" Trigger=(RUN 4-4 "RUN --mount=type=secret,id=token,env=TOKEN ./build.sh" Command=["./build.sh"] IsShellForm=true Mounts=[{Spec="type=secret,id=token,env=TOKEN" Type=Secret ReadOnly=true Id="token" Env="TOKEN"}]) Expression="RUN --mount=type=secret,id=token,env=TOKEN ./build.sh"
              ONBUILD 5-7 "ONBUILD RUN <<EOF" Trigger=(RUN 5-7 "RUN <<EOF" Command=["<<EOF"] IsShellForm=true Heredocs=[{Name="EOF" Content="make install\n" Expand=true}]) Expression="RUN <<EOF\nmake install\nEOF"
              MAINTAINER 8-8 "MAINTAINER Jane Doe <jane@example.com>" Maintainer="Jane Doe <jane@example.com>"
              VOLUME 9-9 "VOLUME [\"/data\", \"/logs\"]" Volumes=["/data", "/logs"]
              VOLUME 10-10 "VOLUME /cache /tmp/x" Volumes=["/cache", "/tmp/x"]
            """
        },
        {
            "health checks of every shape",
            """
            FROM nginx:1.27
            HEALTHCHECK NONE
            HEALTHCHECK --interval=1m30s --timeout=500ms --start-interval=2.5s CMD ["curl", "-f", "http://localhost/"]
            healthcheck --start-period=0s --retries=0 cmd curl -f http://localhost/ || exit 1
            """,
            """
            stage 0
              FROM 1-1 "FROM nginx:1.27" Image="nginx:1.27"
              HEALTHCHECK 2-2 "HEALTHCHECK NONE" Test=["NONE"]
              HEALTHCHECK 3-3 "HEALTHCHECK --interval=1m30s --timeout=500ms --start-interval=2.5s CMD [\"curl\", \"-f\", \"http://localhost/\"]" Test=["CMD", "curl", "-f", "http://localhost/"] Interval=00:01:30 Timeout=00:00:00.5000000 StartInterval=00:00:02.5000000
              HEALTHCHECK 4-4 "healthcheck --start-period=0s --retries=0 cmd curl -f http://localhost/ || exit 1" Test=["CMD-SHELL", "curl -f http://localhost/ || exit 1"]
            """
        },
        {
            // BuildKit's parser testfile lk4d4-the-edge-case-generator, as instructions
            "buildkit edge-case generator",
            """
            FROM busybox:buildroot-2014.02

            LABEL maintainer docker <docker@docker.io>

            ONBUILD RUN ["echo", "test"]
            ONBUILD RUN echo test


            # RUN Commands \
            # linebreak in comment \
            RUN ["ls", "-la"]
            RUN echo '1234' && \
                echo "456" && \
                echo 789
            RUN    sh -c 'echo root:testpass \
                    > /tmp/passwd'

            # ENV \
            ENV SCUBA 1 DUBA 3
            ENV SCUBA "1 DUBA 3"

            CMD echo 'test' | wc -
            EXPOSE 9000 5000 6000
            USER docker:root
            """,
            """
            stage 0
              FROM 1-1 "FROM busybox:buildroot-2014.02" Image="busybox:buildroot-2014.02"
              LABEL 3-3 "LABEL maintainer docker <docker@docker.io>" Labels=[{Key="maintainer" Value="docker <docker@docker.io>" LegacySyntax=true}]
              ONBUILD 5-5 "ONBUILD RUN [\"echo\", \"test\"]" Trigger=(RUN 5-5 "RUN [\"echo\", \"test\"]" Command=["echo", "test"]) Expression="RUN [\"echo\", \"test\"]"
              ONBUILD 6-6 "ONBUILD RUN echo test" Trigger=(RUN 6-6 "RUN echo test" Command=["echo test"] IsShellForm=true) Expression="RUN echo test"
              RUN 11-11 "RUN [\"ls\", \"-la\"]" Command=["ls", "-la"]
              RUN 12-14 "RUN echo '1234' &&     echo \"456\" &&     echo 789" Command=["echo '1234' &&     echo \"456\" &&     echo 789"] IsShellForm=true
              RUN 15-16 "RUN    sh -c 'echo root:testpass         > /tmp/passwd'" Command=["sh -c 'echo root:testpass         > /tmp/passwd'"] IsShellForm=true
              ENV 19-19 "ENV SCUBA 1 DUBA 3" Variables=[{Key="SCUBA" Value="1 DUBA 3" LegacySyntax=true}]
              ENV 20-20 "ENV SCUBA \"1 DUBA 3\"" Variables=[{Key="SCUBA" Value="\"1 DUBA 3\"" LegacySyntax=true}]
              CMD 22-22 "CMD echo 'test' | wc -" Command=["echo 'test' | wc -"] IsShellForm=true
              EXPOSE 23-23 "EXPOSE 9000 5000 6000" Ports=["5000", "6000", "9000"]
              USER 24-24 "USER docker:root" User="docker:root"
            """
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ParsesToTheExpectedModel(string name, string dockerfile, string expected)
    {
        var parsed = DockerfileParser.Parse(dockerfile.Replace('→', '\t'));
        Assert.True(name.Length > 0);
        Assert.Equal(expected, ModelPrinter.Print(parsed).TrimEnd('\n'));
    }

    [Fact]
    public void CrlfInputParsesAsLf()
    {
        string lf = """
            FROM alpine AS a
            RUN echo one \
                two
            COPY <<EOF /x
            body
            EOF
            """;
        var crlf = DockerfileParser.Parse(lf.Replace("\n", "\r\n"));
        var expected = ModelPrinter.Print(DockerfileParser.Parse(lf)).Replace("Content=\"body\\n\"", "Content=\"body\\r\\n\"");
        // heredoc bodies keep their line endings, as BuildKit keeps them; everything else is the same
        Assert.Equal(expected, ModelPrinter.Print(crlf));
        Assert.Contains("Content=\"body\\r\\n\"", expected);
    }
}
