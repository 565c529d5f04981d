# quai pause/unpause on v2: cgroup.freeze and cgroup.events, and the container's status.
name=vm-pause-$$
CLEANUP="$CLEANUP quai_gone $name;"
quai run -d --name $name $IMAGE sleep 1000 > /dev/null || fail "quai run -d"
d=$CG/quai/$(quai inspect -f '{{.Id}}' $name)
quai pause $name > /dev/null || fail "pause"
expect_file $d/cgroup.freeze 1
expect "cgroup.events frozen" "$(kv $d/cgroup.events frozen)" 1
expect "State.Status" "$(quai inspect -f '{{.State.Status}}' $name)" paused
quai unpause $name > /dev/null || fail "unpause"
expect_file $d/cgroup.freeze 0
expect "cgroup.events frozen" "$(kv $d/cgroup.events frozen)" 0
expect "State.Status" "$(quai inspect -f '{{.State.Status}}' $name)" running
quai rm -f $name > /dev/null || fail "rm -f"
[ ! -d $d ] || fail "$d left after rm -f"
note "cgroup removed after rm -f"
