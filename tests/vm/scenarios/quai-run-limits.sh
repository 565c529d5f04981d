# quai run -m 64m --cpus 0.5 --pids-limit 50 --cpuset-cpus 0: the values as the container itself reads them
# in its own cgroup namespace (/sys/fs/cgroup is its cgroup).
out=$(quai run --rm -m 64m --cpus 0.5 --pids-limit 50 --cpuset-cpus 0 $IMAGE sh -c '
  cd /sys/fs/cgroup; echo "max=$(cat memory.max) cpu=$(cat cpu.max) pids=$(cat pids.max) cpus=$(cat cpuset.cpus) self=$(cat /proc/self/cgroup)"') \
  || fail "quai run: $out"
note "$out"
expect "memory.max" "$(echo "$out" | sed -n 's/.*max=\([^ ]*\).*/\1/p')" 67108864
expect "cpu.max" "$(echo "$out" | sed -n 's/.*cpu=\([^ ]* [^ ]*\) pids.*/\1/p')" "50000 100000"
expect "pids.max" "$(echo "$out" | sed -n 's/.*pids=\([^ ]*\).*/\1/p')" 50
expect "cpuset.cpus" "$(echo "$out" | sed -n 's/.*cpus=\([^ ]*\).*/\1/p')" 0
expect "/proc/self/cgroup" "$(echo "$out" | sed -n 's/.*self=\(.*\)/\1/p')" "0::/"
