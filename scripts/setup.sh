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
  qemu-user-static                          # `quai build --platform` of foreign architectures (binfmt_misc)
  docker-registry                           # distribution 2.8: the real registry of the registry tests and bench/pull.sh
  apache2-utils                             # htpasswd -B: bcrypt users of the test registry's Basic auth
  curl                                      # registry fixture self-tests (cut downloads, Range resumes)
  nftables                                  # networking: quai's own nft tables (NAT, published ports, isolation)
  iperf3                                    # bench/run.sh: container-to-container throughput
  qemu-system-x86 cpio kmod                 # tests/vm: the cgroup v2 VM tier (Debian's kernel under qemu, busybox initramfs)
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

# Foreign-architecture RUN steps (`quai build --platform linux/arm64`): qemu-user-static's binfmt_misc
# handlers with the F flag (the kernel opens the emulator at registration, so it runs inside a container's
# mount namespace too). Debian registers them through systemd-binfmt; without systemd this does, and
# leaves the other architectures (e.g. mips64le: the tests' "no emulator" case) unregistered.
binfmt=/proc/sys/fs/binfmt_misc
if [ ! -e "$binfmt/register" ] && grep -qw binfmt_misc /proc/filesystems; then
  mount -t binfmt_misc binfmt_misc "$binfmt" || echo "setup: cannot mount binfmt_misc; foreign --platform builds will fail" >&2
fi
if [ -w "$binfmt/register" ]; then
  for arch in aarch64 arm riscv64 ppc64le s390x; do
    conf=/usr/lib/binfmt.d/qemu-$arch.conf
    [ -e "$binfmt/qemu-$arch" ] || [ ! -f "$conf" ] && continue
    line=$(grep -v '^#' "$conf" | grep . | head -1)
    [[ "${line##*:}" == *F* ]] || line+=F
    echo "$line" > "$binfmt/register"
  done
fi

# The tests' arm64 busybox (tests/Quai.Engine.IntegrationTests/BuildPlatformTests.cs): Debian's
# busybox-static:arm64 package, downloaded (not installed) into /var/cache/quai-test.
testcache=/var/cache/quai-test
if ! compgen -G "$testcache/busybox-static_*_arm64.deb" >/dev/null; then
  dpkg --print-foreign-architectures | grep -qx arm64 || { dpkg --add-architecture arm64; apt-get update -qq; }
  mkdir -p "$testcache"
  (cd "$testcache" && apt-get download -qq busybox-static:arm64 2>/dev/null) || echo "setup: could not download busybox-static:arm64 (arm64 build tests will fail)" >&2
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
