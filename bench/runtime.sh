#!/usr/bin/env bash
# Times quai-runtime against runc and crun in one run, on the same bundle (a busybox-static
# rootfs whose process is `true`):
#   run    : `<runtime> run <id>` (create + start + wait + delete)
#   cycle  : `<runtime> create`, `start`, wait for exit, `delete`
# Prints the median of each and the ratio to quai-runtime.
# crun 1.8 (Debian 12) only works here inside a private mount namespace with
# /sys/fs/cgroup/unified unmounted, so every runtime is measured inside the same one.
set -euo pipefail
ITER=${ITER:-30}
QUAI=${QUAI_RUNTIME_BIN:-$(cd "$(dirname "$0")/.." && pwd)/out/bin/quai-runtime}
[ -x "$QUAI" ] || { echo "build first: scripts/setup.sh ($QUAI missing)" >&2; exit 1; }
if [ "${QUAI_BENCH_INNER:-}" != 1 ]; then
  exec unshare --mount --propagation private env QUAI_BENCH_INNER=1 QUAI_RUNTIME_BIN="$QUAI" ITER="$ITER" bash "$0" "$@"
fi
umount /sys/fs/cgroup/unified 2>/dev/null || true

work=$(mktemp -d /tmp/quai-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rootfs/bin" "$work/rootfs/proc" "$work/rootfs/dev" "$work/rootfs/sys"
cp /bin/busybox "$work/rootfs/bin/busybox"
ln -s busybox "$work/rootfs/bin/true"
(cd "$work" && "$QUAI" spec)
python3 - "$work/config.json" <<'PY'
import json, sys
p = sys.argv[1]; c = json.load(open(p))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/true"]
c["linux"]["cgroupsPath"] = "/quai-bench"
c["ociVersion"] = "1.0.2-dev"  # crun 1.8 refuses newer versions
json.dump(c, open(p, "w"))
PY

declare -A bin=([quai]="$QUAI" [runc]="$(command -v runc || true)" [crun]="$(command -v crun || true)")
now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

declare -A run_ms cycle_ms
for rt in quai runc crun; do
  b=${bin[$rt]}
  [ -n "$b" ] || { echo "$rt: not installed, skipped"; continue; }
  root="$work/state-$rt"
  # warm-up, and a check that it works at all
  if ! (cd "$work" && "$b" --root "$root" run "warm-$rt" >/dev/null 2>&1); then
    echo "$rt: cannot run the bundle here, skipped"; continue
  fi
  times=()
  for i in $(seq "$ITER"); do
    t0=$(now); (cd "$work" && "$b" --root "$root" run "r$i" >/dev/null 2>&1); t1=$(now)
    times+=($(( (t1 - t0) / 1000 )))
  done
  run_ms[$rt]=$(printf '%s\n' "${times[@]}" | median)
  times=()
  for i in $(seq "$ITER"); do
    t0=$(now)
    (cd "$work" && "$b" --root "$root" create "c$i" >/dev/null 2>&1 && "$b" --root "$root" start "c$i" >/dev/null 2>&1)
    while [ "$("$b" --root "$root" state "c$i" 2>/dev/null | grep -o '"status": *"[a-z]*"' | grep -o '[a-z]*"$')" != 'stopped"' ]; do :; done
    "$b" --root "$root" delete "c$i" >/dev/null 2>&1
    t1=$(now)
    times+=($(( (t1 - t0) / 1000 )))
  done
  cycle_ms[$rt]=$(printf '%s\n' "${times[@]}" | median)
done

printf '\n%-8s %14s %10s %22s %10s\n' runtime "run (median)" "vs quai" "create+start+delete" "vs quai"
for rt in quai runc crun; do
  [ -n "${run_ms[$rt]:-}" ] || continue
  printf '%-8s %11.1f ms %9.2fx %19.1f ms %9.2fx\n' "$rt" \
    "$(echo "${run_ms[$rt]} / 1000" | bc -l)" "$(echo "${run_ms[$rt]} / ${run_ms[quai]}" | bc -l)" \
    "$(echo "${cycle_ms[$rt]} / 1000" | bc -l)" "$(echo "${cycle_ms[$rt]} / ${cycle_ms[quai]}" | bc -l)"
done
echo "($ITER iterations each; ratios > 1 mean slower than quai-runtime)"
