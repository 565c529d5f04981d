# quai-runtime: pids.max on v2, enforced: forks past it are refused (pids.events max counts them);
# update raises it.
id=vm-pids-$$
rt_create $id '["sleep","1000"]' '{"pids":{"limit":5}}'
rt start $id || fail "start $id"
d=$CG/quai-vm/$id
expect_file $d/pids.max 5
rt exec $id sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 100 & done; wait' > /dev/null 2>&1
n=$(cat $d/pids.current); [ "$n" -le 5 ] || fail "pids.current is $n, above pids.max 5"
note "pids.current = $n"
[ "$(kv $d/pids.events max)" -ge 1 ] || fail "pids.events max is '$(kv $d/pids.events max)', expected >= 1 (refused forks)"
note "pids.events max = $(kv $d/pids.events max)"
rt update --pids-limit 50 $id || fail "update $id"
expect_file $d/pids.max 50
rt exec $id sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 100 & done' > /dev/null 2>&1 || fail "forks below the raised limit failed"
n=$(cat $d/pids.current); [ "$n" -ge 9 ] || fail "pids.current is $n after 8 more sleeps, expected >= 9"
note "pids.current = $n after the update"
