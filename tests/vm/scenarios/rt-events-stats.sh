# quai-runtime events --stats on v2: the figures come from memory.current/max, memory.stat, pids.*, cpu.stat.
id=vm-ev-$$
rt_create $id '["sh","-c","sleep 1000 & sleep 1000 & i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; wait"]' \
  '{"memory":{"limit":67108864},"pids":{"limit":20}}'
rt start $id || fail "start $id"
d=$CG/quai-vm/$id
sleep 3
s=$(rt events --stats $id) || fail "events --stats: $s"
expect "type" "$(echo "$s" | jq -r .type)" stats
expect "memory.usage.limit" "$(echo "$s" | jq -r .data.memory.usage.limit)" "$(cat $d/memory.max)"
u=$(echo "$s" | jq -r .data.memory.usage.usage); [ "$u" -gt 0 ] || fail "memory.usage.usage is $u"
note "memory.usage.usage = $u (memory.current now $(cat $d/memory.current))"
expect "pids.current" "$(echo "$s" | jq -r .data.pids.current)" "$(cat $d/pids.current)"
expect "pids.limit" "$(echo "$s" | jq -r .data.pids.limit)" 20
c=$(echo "$s" | jq -r .data.cpu.usage.total); [ "$c" -gt 0 ] || fail "cpu.usage.total is $c"
note "cpu.usage.total = $c ns (cpu.stat usage_usec $(kv $d/cpu.stat usage_usec))"
expect "memory.raw.anon is memory.stat's" "$(echo "$s" | jq -r '.data.memory.raw | has("anon")')" true
