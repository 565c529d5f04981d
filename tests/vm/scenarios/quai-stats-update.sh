# quai stats --no-stream and quai update on v2: figures from memory.current/pids.current, limits from
# memory.max; update rewrites memory.max, cpu.max and pids.max, seen inside the container.
name=vm-st-$$
CLEANUP="$CLEANUP quai_gone $name;"
quai run -d --name $name -m 64m --pids-limit 50 $IMAGE sh -c 'sleep 1000 & sleep 1000 & wait' > /dev/null || fail "quai run -d"
id=$(quai inspect -f '{{.Id}}' $name)
d=$CG/quai/$id
sleep 2
s=$(quai stats --no-stream --format '{{.MemUsage}}|{{.PIDs}}' $name) || fail "stats: $s"
note "stats: $s"
case "${s%%|*}" in *" / 64MiB") ;; *) fail "MemUsage '${s%%|*}' does not show the 64MiB limit" ;; esac
case "${s%%|*}" in 0B*) fail "MemUsage is zero" ;; esac
expect "PIDs" "${s##*|}" "$(cat $d/pids.current)"
quai update -m 96m --cpus 0.25 --pids-limit 30 $name > /dev/null || fail "quai update"
expect_file $d/memory.max 100663296
expect_file $d/cpu.max "25000 100000"
expect_file $d/pids.max 30
expect "memory.max inside" "$(quai exec $name cat /sys/fs/cgroup/memory.max)" 100663296
expect "HostConfig.Memory" "$(quai inspect -f '{{.HostConfig.Memory}}' $name)" 100663296
