#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh), then runs every test project of the solution against
# the published executables, and prints one closing line: "N passed, N failed, N skipped".
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
echo
echo "$passed passed, $failed failed, $skipped skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
