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
# delete --force of a running container whose daemonised process left the init's tree: the cgroup is emptied
# (cgroup.kill) and removed.
id2=vm-killd-$$
b2=$(new_bundle $id2 '["sh","-c","(setsid sleep 1000 &) ; sleep 1000"]')
jq '.linux.namespaces |= map(select(.type != "pid"))' $b2/config.json > $b2/c && mv $b2/c $b2/config.json
CLEANUP="$CLEANUP rt_gone $id2;"
rt create --bundle $b2 $id2 < /dev/null > /dev/null 2>&1 || fail "create $id2"
rt start $id2 || fail "start $id2"
for i in 1 2 3 4 5 6 7 8 9 10; do [ "$(wc -l < $CG/quai-vm/$id2/cgroup.procs)" -ge 2 ] && break; sleep 1; done
pids=$(cat $CG/quai-vm/$id2/cgroup.procs | tr '\n' ' '); note "processes before delete -f: $pids"
rt delete -f $id2 || fail "delete -f $id2"
[ ! -d $CG/quai-vm/$id2 ] || fail "$CG/quai-vm/$id2 left after delete -f"
for p in $pids; do [ -d /proc/$p ] && [ "$(cut -d' ' -f3 /proc/$p/stat)" != Z ] && fail "process $p survived delete -f"; done
note "delete -f killed them all and removed the cgroup"
