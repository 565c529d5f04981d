#!/usr/bin/env bash
# Installs what Quai needs on a fresh Debian 12 machine (as root), idempotently, then builds and
# publishes the NativeAOT executables into out/bin and links them into /usr/local/bin.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential make gcc linux-libc-dev   # the runtime's C unit, syscall headers
  busybox-static                            # the example and test images
  uidmap                                    # newuidmap/newgidmap for rootless id ranges
  iproute2 procps util-linux                # ip, ps, setpriv (tests)
  runc crun podman skopeo umoci             # peers: interop tests and benchmarks
  containernetworking-plugins               # podman's network backend
  hyperfine                                 # benchmarks
  tini                                      # `quai run --init` (tini-static as /sbin/docker-init)
  bzip2 xz-utils zstd                       # ADD archive tests (compressing the fixtures)
)
missing=()
for p in "${packages[@]}"; do
  [[ "$p" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v dotnet >/dev/null || { echo "setup: the .NET 10 SDK (dotnet) is required on PATH" >&2; exit 1; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet restore Quai.slnx --verbosity quiet
for project in src/Quai.Runtime.Cli src/Quai.Cli; do
  [ -d "$project" ] || continue
  dotnet publish "$project" -c Release -o out/bin --verbosity quiet -nologo
done
for exe in quai-runtime quai; do
  [ -x "out/bin/$exe" ] && ln -sf "$PWD/out/bin/$exe" "/usr/local/bin/$exe"
done
echo "setup: done (executables in $PWD/out/bin, linked into /usr/local/bin)"
