# quai-runtime on v2, bad input: a cgroupsPath naming the hierarchy's root, and a limit the kernel refuses
# (cpu.max quota below 1ms): each a clear error naming the object, nothing left behind.
id=vm-badroot-$$
b=$(new_bundle $id '["true"]')
CLEANUP="$CLEANUP rt_gone $id;"
jq '.linux.cgroupsPath = "/"' $b/config.json > $b/c && mv $b/c $b/config.json
if err=$(rt create --bundle $b $id < /dev/null 2>&1 >/dev/null); then fail "create with cgroupsPath / succeeded"; fi
case "$err" in *"root of the cgroup hierarchy"*) note "error: $err" ;; *) fail "unclear error: $err" ;; esac
id=vm-badquota-$$
b=$(new_bundle $id '["true"]' '{"cpu":{"quota":500,"period":100000}}')
CLEANUP="$CLEANUP rt_gone $id;"
if err=$(rt create --bundle $b $id < /dev/null 2>&1 >/dev/null); then fail "create with cpu quota 500 succeeded"; fi
case "$err" in *cpu.max*) note "error: $err" ;; *) fail "the error does not name cpu.max: $err" ;; esac
[ ! -d $CG/quai-vm/$id ] || fail "$CG/quai-vm/$id left behind"
rt state $id > /dev/null 2>&1 && fail "the failed container $id still has state"
note "nothing left behind"
