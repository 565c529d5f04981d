# quai-runtime: kill --all empties the cgroup (cgroup.kill on v2), also processes that left the init's
# process tree (a daemonised grandchild); delete removes the cgroup directory.
id=vm-kill-$$
b=$(new_bundle $id '["sh","-c","(setsid sleep 1000 &) ; sleep 1000 & sleep 1000"]')
jq '.linux.namespaces |= map(select(.type != "pid"))' $b/config.json > $b/c && mv $b/c $b/config.json
CLEANUP="$CLEANUP rt_gone $id;"
rt create --bundle $b $id < /dev/null > /dev/null 2>&1 || fail "create $id"
rt start $id || fail "start $id"
for i in 1 2 3 4 5 6 7 8 9 10; do [ "$(wc -l < $CG/quai-vm/$id/cgroup.procs)" -ge 3 ] && break; sleep 1; done
n=$(wc -l < $CG/quai-vm/$id/cgroup.procs); [ "$n" -ge 3 ] || fail "cgroup.procs has $n processes, expected at least 3"
note "processes before: $n"
rt kill --all $id KILL || fail "kill --all $id"
for i in 1 2 3 4 5; do [ "$(kv $CG/quai-vm/$id/cgroup.events populated)" = 0 ] && break; sleep 1; done
expect "cgroup.events populated" "$(kv $CG/quai-vm/$id/cgroup.events populated)" 0
rt delete $id || fail "delete $id"
[ ! -d $CG/quai-vm/$id ] || fail "$CG/quai-vm/$id left after delete"
note "cgroup removed"
