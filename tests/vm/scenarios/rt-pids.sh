# quai-runtime: pids.max on v2, enforced: the container cannot fork past it.
id=vm-pids-$$
b=$(new_bundle $id '["sh","-c","for i in 1 2 3 4 5 6 7 8 9 10; do sleep 100 & done; wait"]' '{"pids":{"limit":5}}')
CLEANUP="$CLEANUP rt_gone $id;"
rt run --bundle $b $id < /dev/null > /tmp/$id.out 2>&1 &
sleep 3
for i in 1 2 3 4 5 6 7 8 9 10; do [ "$(cat $CG/quai-vm/$id/pids.current 2>/dev/null)" = 5 ] && break; sleep 1; done
expect_file $CG/quai-vm/$id/pids.max 5
expect_file $CG/quai-vm/$id/pids.current 5
[ "$(kv $CG/quai-vm/$id/pids.events max)" -ge 1 ] || fail "pids.events max is $(kv $CG/quai-vm/$id/pids.events max), expected >= 1 (refused forks)"
note "pids.events max = $(kv $CG/quai-vm/$id/pids.events max)"
rt update --pids-limit 50 $id || fail "update $id"
expect_file $CG/quai-vm/$id/pids.max 50
