#!/usr/bin/env bash
# Soak and leak check of the daemonless engine, the properties issue 7 holds to: `run --rm` cycles,
# `run -d` + `rm -f` cycles, concurrent runs, and a `--restart always` container that survives its
# init being SIGKILLed again and again with Docker's backoff. Afterwards nothing may be left: no mount
# of the store, no cgroup, no monitor, no container record, name or snapshot beyond the image's.
#   scripts/soak.sh [SCALE]     SCALE 1 (default): 1000 / 300 / 100 / 20; SCALE 0.1: a quick pass
# Exits 1 with the first leak or failure it finds. Uses its own store under /var/tmp; not part of CI.
set -euo pipefail
SCALE=${1:-1}
n() { awk -v s="$SCALE" -v n="$1" 'BEGIN {v = int(n * s); print (v < 1 ? 1 : v)}'; }
HERE=$(cd "$(dirname "$0")/.." && pwd)
QUAI=${QUAI_BIN:-$HERE/out/bin/quai}
WORK=$(mktemp -d /var/tmp/quai-soak.XXXXXX)
ROOT=$WORK/root
q() { "$QUAI" --root "$ROOT" "$@"; }
fail() { echo "soak: FAIL: $*" >&2; exit 1; }
cleanup() {
  q ps -aq 2>/dev/null | xargs -r "$QUAI" --root "$ROOT" rm -f >/dev/null 2>&1 || true
  grep -o "$ROOT[^ ]*" /proc/self/mountinfo 2>/dev/null | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

cgroups() { find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -type d -path '*/quai/*' 2>/dev/null | sort; }
check_clean() {
  local what=$1
  grep -q "$ROOT" /proc/self/mountinfo && fail "$what: mounts left: $(grep -c "$ROOT" /proc/self/mountinfo)"
  [ "$(q ps -aq | wc -l)" -eq 0 ] || fail "$what: containers left: $(q ps -aq | tr '\n' ' ')"
  pgrep -f "container-monitor $ROOT" >/dev/null && fail "$what: monitors left: $(pgrep -f "container-monitor $ROOT" | tr '\n' ' ')"
  local dirs; dirs=$(find "$ROOT/containers" -mindepth 1 -maxdepth 1 ! -name '.*' | wc -l)
  [ "$dirs" -eq 0 ] || fail "$what: $dirs container directories left"
  [ -z "$(ls -A "$ROOT/containers/.trash" 2>/dev/null)" ] || fail "$what: removals left in containers/.trash"
  local snaps; snaps=$(find "$ROOT/snapshots" -mindepth 1 -maxdepth 1 -type d | wc -l)
  [ "$snaps" -eq 1 ] || fail "$what: $snaps snapshots (the image has 1)"
  [ "$(cgroups)" = "$CG0" ] || fail "$what: cgroups left: $(comm -13 <(echo "$CG0") <(cgroups) | head -5 | tr '\n' ' ')"
  echo "soak: $what: clean"
}

mkdir -p "$WORK/rootfs/bin" "$WORK/rootfs/etc"
cp /usr/bin/busybox "$WORK/rootfs/bin/"
for a in sh true sleep echo; do ln -s busybox "$WORK/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$WORK/rootfs/etc/passwd"
tar -C "$WORK/rootfs" -cf "$WORK/bb.tar" .
q import "$WORK/bb.tar" soak:latest >/dev/null
CG0=$(cgroups)

N1=$(n 1000); N2=$(n 300); N3=$(n 100); N4=$(n 20)
start=$(date +%s)
for i in $(seq "$N1"); do
  out=$(q run --rm soak echo "r$i") || fail "run --rm #$i exited $?"
  [ "$out" = "r$i" ] || fail "run --rm #$i printed '$out'"
done
check_clean "$N1 x run --rm"

for i in $(seq "$N2"); do
  id=$(q run -d soak sleep 60) || fail "run -d #$i"
  q rm -f "$id" >/dev/null || fail "rm -f #$i ($id)"
done
check_clean "$N2 x run -d + rm -f"

pids=()
for i in $(seq "$N3"); do (out=$(q run --rm soak echo "c$i") && [ "$out" = "c$i" ]) & pids+=($!); done
bad=0
for p in "${pids[@]}"; do wait "$p" || bad=$((bad + 1)); done
[ "$bad" -eq 0 ] || fail "$bad of $N3 concurrent runs failed"
check_clean "$N3 concurrent run --rm"

q run -d --name soak-always --restart always soak sleep 600 >/dev/null
for i in $(seq "$N4"); do
  pid=$(q inspect -f '{{.State.Pid}}' soak-always)
  [ "$pid" -gt 0 ] || fail "restart #$i: no init pid"
  kill -9 "$pid"
  ok=""
  for _ in $(seq 1200); do # up to 120 s: Docker's backoff doubles from 100 ms to at most a minute
    now=$(q inspect -f '{{.RestartCount}} {{.State.Status}} {{.State.Pid}}' soak-always)
    set -- $now
    if [ "$1" -ge "$i" ] && [ "$2" = running ] && [ "$3" != "$pid" ]; then ok=1; break; fi
    sleep 0.1
  done
  [ -n "$ok" ] || fail "restart #$i: not running again ($now)"
done
q rm -f soak-always >/dev/null
check_clean "--restart always, $N4 kills"
echo "soak: all clean in $(( $(date +%s) - start )) s (scale $SCALE)"
