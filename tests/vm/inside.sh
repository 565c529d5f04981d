# The VM side of tests/vm/tier.sh: prepares a busybox rootfs and image once, then runs every scenario
# (tests/vm/scenarios/*.sh) with a time limit, printing "PASS name" or "FAIL name" for each.
# Usage (inside the VM, from boot.sh): sh inside.sh REPO [SCENARIO...]
repo=${1:?usage: inside.sh REPO [SCENARIO...]}; shift
cd "$repo" || exit 125
export QUAI="$repo/out/bin/quai" RT="$repo/out/bin/quai-runtime" QUAI_ROOT=/tmp/quai-root
export VM_LIB="$repo/tests/vm/lib.sh" IMAGE=quai-vm/busybox:latest
echo "vm: kernel $(uname -r), cgroup $(stat -fc %T /sys/fs/cgroup), controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"

# A busybox root filesystem (FROM scratch + /bin/busybox and its applets) for quai-runtime bundles,
# and the same as an image built by quai build.
mkdir -p /tmp/vm-rootfs/bin /tmp/vm-rootfs/etc /tmp/vm-rootfs/tmp /tmp/vm-rootfs/proc /tmp/vm-rootfs/sys /tmp/vm-rootfs/dev
cp /bin/busybox /tmp/vm-rootfs/bin/busybox
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "/tmp/vm-rootfs/bin/$a"; done
echo "root:x:0:0:root:/root:/bin/sh" > /tmp/vm-rootfs/etc/passwd
echo "root:x:0:" > /tmp/vm-rootfs/etc/group
mkdir -p /tmp/vm-image && cp -a /tmp/vm-rootfs /tmp/vm-image/rootfs
printf 'FROM scratch\nCOPY rootfs/ /\nCMD ["sh"]\n' > /tmp/vm-image/Dockerfile
if ! out=$(timeout 300 "$QUAI" build -q -t "$IMAGE" /tmp/vm-image 2>&1); then
  echo "vm: cannot build the busybox image: $out"
  for s in "$repo"/tests/vm/scenarios/*.sh; do echo "FAIL $(basename "$s" .sh) (no image)"; done
  exit 1
fi

failed=0
for s in "$repo"/tests/vm/scenarios/*.sh; do
  name=$(basename "$s" .sh)
  if [ $# -gt 0 ]; then case " $* " in *" $name "*) ;; *) continue ;; esac; fi
  t0=$(date +%s)
  timeout 240 sh -c '. "$VM_LIB"; . "$1"' "$name" "$s" > /tmp/scenario.out 2>&1; rc=$?
  sed 's/^/    /' /tmp/scenario.out
  if [ $rc = 0 ]; then echo "PASS $name ($(( $(date +%s) - t0 ))s)"
  else [ $rc = 124 ] && echo "    (timed out after 240s)"; echo "FAIL $name ($(( $(date +%s) - t0 ))s)"; failed=$((failed + 1)); fi
done
[ $failed = 0 ]
