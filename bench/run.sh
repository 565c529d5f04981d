#!/bin/bash
# Times `quai run --rm IMG true` against `podman run --rm --network none IMG true` (same busybox
# rootfs imported into both), prints medians and the ratio, and the resident memory of quai's
# per-container monitor against podman's conmon for a running container.
#   bench/run.sh [N]   (default N=30; QUAI_BIN overrides out/bin/quai)
set -euo pipefail
N=${1:-30}
HERE=$(cd "$(dirname "$0")/.." && pwd)
QUAI=${QUAI_BIN:-$HERE/out/bin/quai}
WORK=$(mktemp -d /tmp/quai-bench.XXXXXX)
export QUAI_ROOT=$WORK/root
# This host: no CAP_SYS_RESOURCE (explicit, lower nofile/nproc limits) and a cgroup v1 hybrid
# layout that podman's default crun 1.8 refuses ("cgroups in hybrid mode not supported"): runc.
PODMAN=(podman --cgroup-manager=cgroupfs --events-backend=file --runtime runc)
PODMAN_RUN=(--rm --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
NS=quai-bench-$$
cleanup() {
  "$QUAI" rm -f bench-rss >/dev/null 2>&1 || true
  ip netns del "$NS" >/dev/null 2>&1 || true
  command -v podman >/dev/null && "${PODMAN[@]}" rm -f bench-rss >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/rootfs/bin" "$WORK/rootfs/etc" "$WORK/rootfs/tmp"
cp /usr/bin/busybox "$WORK/rootfs/bin/"
for a in sh true sleep; do ln -s busybox "$WORK/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$WORK/rootfs/etc/passwd"
tar -C "$WORK/rootfs" -cf "$WORK/bb.tar" .
"$QUAI" import "$WORK/bb.tar" quai-bench:latest >/dev/null

ms() { # median of N runs of "$@" in milliseconds
  local t=()
  for _ in $(seq "$N"); do
    local s e
    s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N)
    t+=($(( (e - s) / 1000 )))
  done
  printf '%s\n' "${t[@]}" | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m/1000}'
}

"$QUAI" run --rm quai-bench true  # warm up
Q=$(ms "$QUAI" run --rm quai-bench true)
echo "quai   run --rm true: median ${Q} ms (N=$N)"

# The bridge case, in a network namespace of its own (its bridge, veths and nft tables go with it; the host's
# interfaces and firewall are not touched). Against Quai's --network none in the same namespace.
ip netns add "$NS"
ip -n "$NS" link set lo up
IN=(nsenter --net=/run/netns/$NS)
"${IN[@]}" "$QUAI" run --rm --network bridge quai-bench true  # warm up: makes the bridge and the nft tables
QN=$(ms "${IN[@]}" "$QUAI" run --rm --network none quai-bench true)
QB=$(ms "${IN[@]}" "$QUAI" run --rm --network bridge quai-bench true)
echo "quai   run --rm --network none true (in a netns): median ${QN} ms (N=$N)"
echo "quai   run --rm --network bridge true (in a netns): median ${QB} ms (N=$N)"
awk -v b="$QB" -v n="$QN" 'BEGIN {printf "bridge - none: %.1f ms\n", b-n}'

rss() { awk '/^Rss:/ {r=$2} /^Pss:/ {p=$2} END {printf "%s kB (PSS %s kB)", r, p}' "/proc/$1/smaps_rollup"; }
"$QUAI" run -d --name bench-rss quai-bench sleep 60 >/dev/null
MON=$("$QUAI" inspect -f '{{.Quai.MonitorPid}}' bench-rss)
QRSS=$(rss "$MON")
echo "quai   monitor RSS: ${QRSS} (pid $MON)"
"$QUAI" rm -f bench-rss >/dev/null

if command -v podman >/dev/null; then
  "${PODMAN[@]}" import "$WORK/bb.tar" localhost/quai-bench:latest >/dev/null
  "${PODMAN[@]}" run "${PODMAN_RUN[@]}" localhost/quai-bench true >/dev/null  # warm up
  P=$(ms "${PODMAN[@]}" run "${PODMAN_RUN[@]}" localhost/quai-bench true)
  echo "podman run --rm --network none true: median ${P} ms (N=$N)"
  awk -v q="$Q" -v p="$P" 'BEGIN {printf "ratio podman/quai: %.1fx\n", p/q}'
  PODMAN_BRIDGE=(--rm --network bridge --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
  if "${IN[@]}" "${PODMAN[@]}" run "${PODMAN_BRIDGE[@]}" localhost/quai-bench true >/dev/null 2>&1; then  # warm up
    PB=$(ms "${IN[@]}" "${PODMAN[@]}" run "${PODMAN_BRIDGE[@]}" localhost/quai-bench true)
    echo "podman run --rm --network bridge true (in a netns): median ${PB} ms (N=$N)"
    awk -v q="$QB" -v p="$PB" 'BEGIN {printf "ratio podman/quai (bridge): %.1fx\n", p/q}'
  else
    echo "podman --network bridge failed in the bench's netns: no bridge comparison"
  fi
  "${PODMAN[@]}" run -d --name bench-rss --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 localhost/quai-bench sleep 60 >/dev/null
  CON=$(pgrep -f "conmon.*bench-rss" | head -1 || true)
  if [ -z "$CON" ]; then CON=$(pgrep -n conmon || true); fi
  [ -n "$CON" ] && echo "podman conmon RSS: $(rss "$CON") (pid $CON)"
  "${PODMAN[@]}" rm -f -t 0 bench-rss >/dev/null
  "${PODMAN[@]}" rmi localhost/quai-bench:latest >/dev/null || true
else
  echo "podman not installed: quai numbers only"
fi
