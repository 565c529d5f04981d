# quai-runtime: linux.resources.unified keys are written as given (after the converted values);
# a key naming no file is a clear error naming the key, and nothing is left behind.
id=vm-uni-$$
rt_create $id '["sleep","1000"]' '{"memory":{"limit":67108864},"unified":{"memory.high":"52428800","pids.max":"42","memory.oom.group":"1"}}'
expect_file $CG/quai-vm/$id/memory.high 52428800
expect_file $CG/quai-vm/$id/pids.max 42
expect_file $CG/quai-vm/$id/memory.oom.group 1
bad=vm-unibad-$$
b=$(new_bundle $bad '["true"]' '{"unified":{"nosuch.knob":"1"}}')
CLEANUP="$CLEANUP rt_gone $bad;"
if err=$(rt create --bundle $b $bad < /dev/null 2>&1 >/dev/null); then fail "create with unified nosuch.knob succeeded"; fi
case "$err" in *nosuch.knob*) note "error: $err" ;; *) fail "the error does not name the key: $err" ;; esac
[ ! -d $CG/quai-vm/$bad ] || fail "$CG/quai-vm/$bad left behind"
