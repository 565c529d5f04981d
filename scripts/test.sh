#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh), then runs every test project of the solution against
# the published executables, then the cgroup v2 VM tier (tests/vm/tier.sh), and prints the VM tier's line
# and one closing line with the totals of both: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
export QUAI_RUNTIME_BIN="$PWD/out/bin/quai-runtime" QUAI_BIN="$PWD/out/bin/quai"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Test projects run one after the other (-m:1): integration tests use the kernel, cgroups and
# mounts, and two cores are all CI has.
dotnet test Quai.slnx -m:1 --logger "console;verbosity=normal" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -Eo 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
# The cgroup v2 tier: the v2 scenarios in one VM on Debian's kernel (tests/vm/tier.sh); its counts join the totals.
vmlog=$(mktemp)
trap 'rm -f "$log" "$vmlog"' EXIT
bash tests/vm/tier.sh 2>&1 | tee "$vmlog"
vmstatus=${PIPESTATUS[0]}
vmline=$(grep -E '^vm tier: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$vmlog" | tail -1)
[ -n "$vmline" ] || { vmline="vm tier: 0 passed, 1 failed, 0 skipped"; vmstatus=1; }
read -r vmp vmf vms <<<"$(echo "$vmline" | grep -Eo '[0-9]+' | tr '\n' ' ')"
passed=$((passed + vmp)); failed=$((failed + vmf)); skipped=$((skipped + vms))
echo
echo "$vmline"
echo "$passed passed, $failed failed, $skipped skipped"
if [ "$status" -ne 0 ] || [ "$vmstatus" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
