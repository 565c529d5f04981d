# quai run --restart on-failure:2 on v2: the monitor restarts the container twice, in the same cgroup path,
# then leaves it exited with the last status.
name=vm-rs-$$
CLEANUP="$CLEANUP quai_gone $name;"
quai run -d --name $name --restart on-failure:2 -m 48m $IMAGE sh -c 'cat /sys/fs/cgroup/memory.max; exit 3' > /dev/null || fail "quai run -d"
for i in $(seq 1 60); do
  [ "$(quai inspect -f '{{.State.Status}} {{.RestartCount}}' $name)" = "exited 2" ] && break; sleep 1
done
expect "State.Status RestartCount" "$(quai inspect -f '{{.State.Status}} {{.RestartCount}}' $name)" "exited 2"
expect "State.ExitCode" "$(quai inspect -f '{{.State.ExitCode}}' $name)" 3
expect "memory.max seen by every run" "$(quai logs $name | sort -u | tr '\n' ' ')" "50331648 "
