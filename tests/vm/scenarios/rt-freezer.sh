# quai-runtime: pause/resume through cgroup.freeze, seen in cgroup.events and the container state.
id=vm-frz-$$
rt_create $id '["sleep","1000"]'
rt start $id || fail "start $id"
rt pause $id || fail "pause $id"
expect_file $CG/quai-vm/$id/cgroup.freeze 1
expect "cgroup.events frozen" "$(kv $CG/quai-vm/$id/cgroup.events frozen)" 1
expect "state" "$(rt state $id | jq -r .status)" paused
rt resume $id || fail "resume $id"
expect_file $CG/quai-vm/$id/cgroup.freeze 0
expect "cgroup.events frozen" "$(kv $CG/quai-vm/$id/cgroup.events frozen)" 0
expect "state" "$(rt state $id | jq -r .status)" running
