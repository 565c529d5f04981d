# quai run on v2: a private cgroup namespace (Docker's default there): the container sees itself at /,
# its /sys/fs/cgroup is a read-only cgroup2 holding only its own processes, and it cannot move out.
name=vm-ns-$$
CLEANUP="$CLEANUP quai_gone $name;"
quai run -d --name $name $IMAGE sleep 1000 > /dev/null || fail "quai run -d"
id=$(quai inspect -f '{{.Id}}' $name) || fail "inspect"
expect "/proc/1/cgroup inside" "$(quai exec $name cat /proc/1/cgroup)" "0::/"
expect "exec'd process's /proc/self/cgroup" "$(quai exec $name cat /proc/self/cgroup)" "0::/"
expect "host's view of the init's cgroup" "$(cat /proc/$(quai inspect -f '{{.State.Pid}}' $name)/cgroup)" "0::/quai/$id"
host_ns=$(readlink /proc/self/ns/cgroup); ctr_ns=$(quai exec $name readlink /proc/self/ns/cgroup)
[ "$host_ns" != "$ctr_ns" ] || fail "the container shares the host's cgroup namespace ($host_ns)"
note "cgroup namespace $ctr_ns (host $host_ns)"
expect "/sys/fs/cgroup mount" "$(quai exec $name sh -c 'grep " /sys/fs/cgroup " /proc/mounts | cut -d" " -f3,4 | cut -d, -f1')" "cgroup2 ro"
# Only the container's processes are listed at its root (the host's root has many more).
n=$(quai exec $name sh -c 'wc -l < /sys/fs/cgroup/cgroup.procs'); [ "$n" -le 3 ] || fail "the container's cgroup.procs lists $n processes"
if quai exec $name sh -c 'echo $$ > /sys/fs/cgroup/../cgroup.procs' 2>/dev/null; then fail "the container moved a process out of its cgroup"; fi
note "moving a process out is refused"
