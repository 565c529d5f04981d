# quai run -m 32m with a process that needs more: the kernel's OOM kill (memory.events oom_kill) is
# reported as State.OOMKilled=true and exit status 137, as Docker does.
name=vm-oom-$$
CLEANUP="$CLEANUP quai_gone $name;"
quai run --name $name -m 32m $IMAGE dd if=/dev/zero of=/dev/null bs=100M count=1 > /dev/null 2>&1; rc=$?
expect "exit status" "$rc" 137
expect "State.OOMKilled" "$(quai inspect -f '{{.State.OOMKilled}}' $name)" true
expect "State.ExitCode" "$(quai inspect -f '{{.State.ExitCode}}' $name)" 137
ok=vm-nooom-$$
CLEANUP="$CLEANUP quai_gone $ok;"
quai run --name $ok -m 64m $IMAGE true || fail "quai run true"
expect "State.OOMKilled of a clean exit" "$(quai inspect -f '{{.State.OOMKilled}}' $ok)" false
