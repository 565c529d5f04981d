# Helpers the VM scenarios share (sourced by tests/vm/inside.sh before each scenario, inside the VM).
# QUAI and RT are the repository's published binaries; every container name carries the scenario's suffix.

fail() { echo "FAILED: $*"; exit 1; }
note() { echo "  $*"; }

# expect NAME ACTUAL EXPECTED
expect() { [ "$2" = "$3" ] && note "$1 = $2" || fail "$1 is '$2', expected '$3'"; }
# expect_file FILE EXPECTED: the file's content (one line, trimmed)
expect_file() { [ -e "$1" ] || fail "$1 does not exist"; expect "$1" "$(tr -d '\n' < "$1")" "$2"; }
# kv FILE KEY: the value of KEY in a flat-keyed cgroup file (memory.events, cgroup.events, cpu.stat …)
kv() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }

rt() { timeout 60 "$RT" --root /tmp/rt-state "$@"; }
quai() { timeout 120 "$QUAI" "$@"; }

# new_bundle NAME ARGS_JSON [RESOURCES_JSON]: a bundle in /tmp/bundles/NAME on the shared busybox rootfs,
# cgroupsPath /quai-vm/NAME; prints its directory. The cgroup is at $CG/quai-vm/NAME.
new_bundle() {
  local dir=/tmp/bundles/$1
  mkdir -p "$dir"
  ( cd "$dir" && "$RT" spec ) || fail "quai-runtime spec failed"
  jq --arg name "$1" --argjson args "$2" --argjson res "${3:-{\}}" '
      .process.args = $args | .process.terminal = false | .root = {path: "/tmp/vm-rootfs", readonly: true}
    | .linux.cgroupsPath = ("/quai-vm/" + $name) | .linux.resources = ((.linux.resources // {}) + $res)' \
    "$dir/config.json" > "$dir/config.new" && mv "$dir/config.new" "$dir/config.json" || fail "cannot edit $dir/config.json"
  echo "$dir"
}
# rt_create NAME ARGS_JSON [RESOURCES_JSON]: create (not start) a container; its stdio goes nowhere.
rt_create() {
  local b; b=$(new_bundle "$@") || exit 1
  rt create --bundle "$b" "$1" < /dev/null > /dev/null 2> "/tmp/bundles/$1/create.err" || fail "create $1: $(cat "/tmp/bundles/$1/create.err")"
  CLEANUP="$CLEANUP rt_gone $1;"
}
rt_gone() { rt delete -f "$1" > /dev/null 2>&1; }
quai_gone() { quai rm -f "$1" > /dev/null 2>&1; }
CG=/sys/fs/cgroup
CLEANUP=
trap 'eval "$CLEANUP"' EXIT
