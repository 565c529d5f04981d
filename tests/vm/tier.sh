#!/usr/bin/env bash
# The cgroup v2 tier: boots one VM (tests/vm/boot.sh) and runs every scenario in tests/vm/scenarios inside it
# against this checkout's published binaries (out/bin: run scripts/setup.sh or dotnet publish first).
# Prints a PASS/FAIL line per scenario and closes with exactly "vm tier: N passed, N failed, N skipped".
# The tier is skipped (counted as skipped, with the reason) only when no VM can boot on this machine.
#   tests/vm/tier.sh [SCENARIO...]      e.g. tests/vm/tier.sh rt-memory quai-oom
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
all=()
for s in tests/vm/scenarios/*.sh; do
  n=$(basename "$s" .sh)
  if [ $# -gt 0 ]; then case " $* " in *" $n "*) ;; *) continue ;; esac; fi
  all+=("$n")
done
total=${#all[@]}
if ! why=$(tests/vm/boot.sh --check); then
  echo "vm tier: SKIPPED, no VM can boot here: $why"
  echo "vm tier: 0 passed, 0 failed, $total skipped"
  exit 0
fi
for exe in quai quai-runtime; do
  if [ ! -x "out/bin/$exe" ]; then
    echo "vm tier: out/bin/$exe is missing (publish it first: scripts/setup.sh)"
    echo "vm tier: 0 passed, $total failed, 0 skipped"; exit 1
  fi
done
log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$(date +%s)
QUAI_VM_TIMEOUT=${QUAI_VM_TIMEOUT:-900} tests/vm/boot.sh tests/vm/inside.sh "$repo" "${all[@]}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
passed=$(grep -c '^PASS ' "$log")
failed=$(grep -c '^FAIL ' "$log")
# Scenarios that never reported (the VM died or timed out) count as failed.
missing=$((total - passed - failed))
(( missing > 0 )) && { echo "vm tier: $missing scenario(s) gave no result (boot.sh exit status $rc)"; failed=$((failed + missing)); }
echo "vm tier: $(( $(date +%s) - start ))s in the VM"
echo "vm tier: $passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ] && [ "$rc" -eq 0 ]
