#!/usr/bin/env bash
# Times a multi-stage build with quai build and podman build (buildah) in one run: a clean build
# (--no-cache), an unchanged rebuild, and a rebuild after one source file changed. Prints the median
# of RUNS for each and the ratio podman/quai. Both use private stores under $WORK and the same base
# image (a busybox-static rootfs imported into quai, saved, and loaded into podman); RUN steps use the
# host network in both (quai's default until bridge networks exist).
#
#   bench/build.sh                 # uses out/bin/quai (dotnet publish src/Quai.Cli -c Release -o out/bin)
#   QUAI_BIN=... RUNS=5 bench/build.sh
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
QUAI_BIN=${QUAI_BIN:-$here/out/bin/quai}
RUNS=${RUNS:-5}
WORK=$(mktemp -d /var/tmp/quai-bench-build.XXXXXX)
[ -x "$QUAI_BIN" ] || { echo "quai not found at $QUAI_BIN: run dotnet publish src/Quai.Cli -c Release -o out/bin" >&2; exit 1; }
command -v podman >/dev/null || { echo "podman not installed (apt-get install podman)" >&2; exit 1; }

quai() { "$QUAI_BIN" --root "$WORK/quai-root" "$@"; }
pod() { podman --cgroup-manager=cgroupfs --events-backend=file --runtime runc --root "$WORK/podman-root" --runroot "$WORK/podman-run" --storage-driver overlay "$@"; }
cleanup() { pod system reset -f >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

# the base image, the same bytes for both
mkdir -p "$WORK/rootfs/bin" "$WORK/ctx/src"
cp /bin/busybox "$WORK/rootfs/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$WORK/rootfs/bin/$a"; done
tar -C "$WORK/rootfs" -cf "$WORK/rootfs.tar" .
quai import -c 'CMD ["sh"]' "$WORK/rootfs.tar" localhost/bench/busybox:latest >/dev/null
quai save -o "$WORK/base.tar" localhost/bench/busybox:latest
pod load -q -i "$WORK/base.tar" >/dev/null

cat > "$WORK/ctx/Dockerfile" <<'DOCKERFILE'
FROM localhost/bench/busybox:latest AS deps
COPY deps.txt /deps.txt
RUN sort /deps.txt > /deps.out

FROM localhost/bench/busybox:latest AS build
COPY --from=deps /deps.out /deps.out
WORKDIR /src
COPY src/ ./
RUN cat /src/*.txt /deps.out > /app.out

FROM scratch
COPY --from=build /bin/busybox /bin/busybox
COPY --from=build /app.out /app.out
CMD ["/bin/busybox", "cat", "/app.out"]
DOCKERFILE
printf 'b\na\nc\n' > "$WORK/ctx/deps.txt"
for i in $(seq 20); do echo "source $i" > "$WORK/ctx/src/f$i.txt"; done

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_runs() { # command…: prints the median wall time in ms
  local t=()
  for r in $(seq "$RUNS"); do
    [ -n "${BEFORE:-}" ] && eval "$BEFORE"
    local s; s=$(now); "$@" >/dev/null 2>&1; t+=($(( ($(now) - s) / 1000000 )))
  done
  printf '%s\n' "${t[@]}" | median
}
qb() { quai build "$@" -t bench/app "$WORK/ctx"; }
pb() { pod build --network host "$@" -t bench/app "$WORK/ctx"; }

qb -q >/dev/null; pb -q >/dev/null # warm both caches once
printf '%-26s %10s %10s %8s\n' "build" "quai ms" "podman ms" "podman/quai"
row() { printf '%-26s %10d %10d %8.1fx\n' "$1" "$2" "$3" "$(echo "$3 / ($2 + 0.001)" | bc -l)"; }
BEFORE="" q=$(time_runs qb --no-cache); BEFORE="" p=$(time_runs pb --no-cache); row "clean (--no-cache)" "$q" "$p"
BEFORE="" q=$(time_runs qb); BEFORE="" p=$(time_runs pb); row "unchanged rebuild" "$q" "$p"
n=0
BEFORE='n=$((n+1)); echo "changed $n $RANDOM" > "$WORK/ctx/src/f7.txt"'
q=$(time_runs qb); p=$(time_runs pb); row "one file changed" "$q" "$p"
# the images agree (both built from the context as it is now)
qb -q >/dev/null; pb -q >/dev/null
qo=$(quai run --rm bench/app); po=$(pod run --rm --network host --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 bench/app)
[ "$qo" = "$po" ] && echo "outputs of the two images: identical" || { echo "outputs of the two images: DIFFER"; diff <(echo "$qo") <(echo "$po") || true; }
