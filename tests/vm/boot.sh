#!/usr/bin/env bash
# Boots a throw-away VM on Debian 12's own kernel with ONLY cgroup v2 mounted (cgroup_no_v1=all) and every
# controller enabled at the root, runs one script in it, and hands back the script's output and exit status.
#
#   tests/vm/boot.sh SCRIPT [ARG...]   run (a copy of) SCRIPT with sh inside the VM, in the current directory
#   tests/vm/boot.sh --check           exit 0 if a VM can boot here, else print why and exit 1
#   tests/vm/boot.sh --prepare         only build the cached kernel and initramfs
#
# The VM's root is this machine's / shared read-only over 9p under a tmpfs overlay, so the repository and
# its out/bin are at the same paths; /tmp is a fresh tmpfs; nothing the script writes reaches the host except
# $QUAI_VM_RESULTS (if set: a host directory mounted read-write at the same path). Output is streamed.
# Exit status: the script's, 124 if the VM ran out of time, 125 if the VM failed to produce a result.
#
# Environment: QUAI_VM_CACHE (default /var/cache/quai-vm), QUAI_VM_TIMEOUT (seconds, default 900),
# QUAI_VM_MEM (MiB, default 3072), QUAI_VM_CPUS (default 2), QUAI_VM_ACCEL (default tcg: nested KVM hangs here).
set -euo pipefail
CACHE=${QUAI_VM_CACHE:-/var/cache/quai-vm}
TIMEOUT=${QUAI_VM_TIMEOUT:-900}
MEM=${QUAI_VM_MEM:-3072}
CPUS=${QUAI_VM_CPUS:-2}
ACCEL=${QUAI_VM_ACCEL:-tcg}
INIT_VERSION=1   # bump when the initramfs below changes: the cache is rebuilt

say() { echo "vm: $*" >&2; }

# Why a VM cannot run here ("" = it can).
unavailable() {
  command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 is not installed (Debian package qemu-system-x86)"; return; }
  [ -x /bin/busybox ] || { echo "/bin/busybox is missing (Debian package busybox-static)"; return; }
  command -v cpio >/dev/null || { echo "cpio is not installed"; return; }
  command -v modprobe >/dev/null && command -v depmod >/dev/null || { echo "kmod (modprobe, depmod) is not installed"; return; }
  [ -d "$(kernel_dir 2>/dev/null || echo /nonexistent)" ] || [ -n "$(kernel_package)" ] || { echo "no Debian kernel package (linux-image-amd64) is known to apt"; return; }
  echo ""
}

kernel_package() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }'; }
kernel_dir() { local d; d=$(ls -d "$CACHE"/quai-kernel-* 2>/dev/null | head -1); [ -n "$d" ] && echo "$d"; }

# The kernel: Debian's linux-image package, downloaded (not installed) and unpacked into the cache, with
# a depmod'ed module tree (mounted at /lib/modules inside the VM, so modprobe works there).
prepare_kernel() {
  local pkg dir tmp
  pkg=$(kernel_package)
  [ -n "$pkg" ] || { apt-get update -qq >/dev/null 2>&1 || true; pkg=$(kernel_package); }
  [ -n "$pkg" ] || { say "cannot find Debian's kernel package (linux-image-amd64)"; exit 125; }
  dir=$CACHE/quai-kernel-${pkg#linux-image-}
  if [ ! -f "$dir/ok" ]; then
    say "preparing the kernel $pkg in $dir"
    mkdir -p "$CACHE"; chmod 0755 "$CACHE"
    tmp=$(mktemp -d "$CACHE/tmp.XXXXXX")
    ( cd "$tmp" && apt-get download -qq "$pkg" >/dev/null 2>&1 ) || { rm -rf "$tmp"; say "apt-get download $pkg failed"; exit 125; }
    dpkg-deb -x "$tmp"/*.deb "$tmp/tree" && rm -f "$tmp"/*.deb
    local kv; kv=$(ls "$tmp/tree/lib/modules")
    depmod -b "$tmp/tree" "$kv"
    rm -rf "$dir"; mv "$tmp/tree" "$dir"; rmdir "$tmp"
    echo "$kv" > "$dir/ok"
  fi
  KDIR=$dir
  KVER=$(cat "$dir/ok")
  VMLINUZ=$(ls "$KDIR"/boot/vmlinuz-* | head -1)
}

# The initramfs: busybox, the modules a 9p + overlay root needs (modprobe --show-depends lists them with
# their dependencies in load order), and /init, which assembles the root and switches to the job's stage 2.
prepare_initramfs() {
  INITRD=$KDIR/initramfs-$INIT_VERSION.cpio.gz
  [ -f "$INITRD" ] && return 0
  local ir; ir=$(mktemp -d "$CACHE/initramfs.XXXXXX")
  mkdir -p "$ir"/{bin,lib/modules,proc,sys,dev,ro,rw,root}
  cp /bin/busybox "$ir/bin/busybox"
  local m f
  for m in virtio_pci 9pnet_virtio 9p overlay; do
    modprobe -d "$KDIR" -S "$KVER" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
  done | awk '!seen[$0]++' | while read -r f; do
    cp "$f" "$ir/lib/modules/"; basename "$f" >> "$ir/lib/modules/load-order"
  done
  cat > "$ir/init" <<'INIT'
#!/bin/busybox sh
bb=/bin/busybox
fail() { echo "vm-init: $*"; $bb poweroff -f; }
$bb mount -t proc proc /proc && $bb mount -t sysfs sys /sys && $bb mount -t devtmpfs dev /dev
for ko in $($bb cat /lib/modules/load-order); do $bb insmod "/lib/modules/$ko" || fail "insmod $ko"; done
p9="trans=virtio,version=9p2000.L,msize=512000"
$bb mount -t 9p -o "$p9,ro" hostroot /ro || fail "cannot mount the host root over 9p"
$bb mount -t tmpfs -o size=80%,mode=0755 rw /rw && $bb mkdir /rw/upper /rw/work
$bb mount -t overlay -o lowerdir=/ro,upperdir=/rw/upper,workdir=/rw/work root /root || fail "cannot mount the overlay root"
$bb mkdir -p /root/run/quai-vm && $bb mount -t 9p -o "$p9" control /root/run/quai-vm || fail "cannot mount the control share"
$bb umount /proc /sys
$bb mount --move /dev /root/dev
exec $bb switch_root /root /bin/sh /run/quai-vm/stage2
INIT
  chmod 0755 "$ir/init"
  ( cd "$ir" && find . -print | cpio -o -H newc --quiet | gzip -1 ) > "$INITRD.tmp" && mv "$INITRD.tmp" "$INITRD"
  rm -rf "$ir"
}

case "${1:-}" in
  --check) why=$(unavailable); [ -z "$why" ] && exit 0; echo "$why"; exit 1 ;;
  --prepare) prepare_kernel; prepare_initramfs; echo "$VMLINUZ $INITRD"; exit 0 ;;
  ""|-*) echo "usage: boot.sh SCRIPT [ARG...] | --check | --prepare" >&2; exit 2 ;;
esac
why=$(unavailable); [ -z "$why" ] || { say "cannot boot: $why"; exit 125; }
script=$(realpath "$1"); shift
[ -f "$script" ] || { say "no such script: $script"; exit 2; }
prepare_kernel
prepare_initramfs

ctl=$(mktemp -d /tmp/quai-vm-ctl.XXXXXX)
qpid=
cleanup() { [ -n "$qpid" ] && kill "$qpid" 2>/dev/null; rm -rf "$ctl"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
touch "$ctl/out"
results=${QUAI_VM_RESULTS:-}
{
  printf 'cd %q 2>/dev/null || cd /\n' "$PWD"
  printf 'exec sh /run/quai-vm/script'; printf ' %q' "$@"; printf '\n'
} > "$ctl/job"
cp "$script" "$ctl/script"   # the VM's /tmp is its own: the script travels in the control share
# Stage 2 runs from the overlay root (the host's programs): the mounts a container engine expects, the
# unified hierarchy with every controller delegated from the root, then the job; the VM powers off after.
cat > "$ctl/stage2" <<STAGE2
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
for c in \$(cat /sys/fs/cgroup/cgroup.controllers); do echo "+\$c" > /sys/fs/cgroup/cgroup.subtree_control || echo "vm: cannot enable \$c"; done
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts -o newinstance,gid=5,mode=0620,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o mode=1777 shm /dev/shm
mount -t mqueue mqueue /dev/mqueue
mount -t tmpfs -o mode=1777 tmp /tmp
mkdir -p /lib/modules && mount --bind "$KDIR/lib/modules" /lib/modules
${results:+mkdir -p '$results' && mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 results '$results'}
hostname quai-vm
ip link set lo up
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb
sh /run/quai-vm/job >> /run/quai-vm/out 2>&1 < /dev/null
echo \$? > /run/quai-vm/rc.tmp && mv /run/quai-vm/rc.tmp /run/quai-vm/rc
sync
echo o > /proc/sysrq-trigger
/bin/busybox poweroff -f
STAGE2

fsdev() { echo "-fsdev local,id=$1,path=$2,security_model=passthrough,multidevs=remap$3 -device virtio-9p-pci,fsdev=$1,mount_tag=$1"; }
# shellcheck disable=SC2046
qemu-system-x86_64 -accel "$ACCEL" -cpu max -smp "$CPUS" -m "$MEM" -nodefaults -no-user-config -no-reboot \
  -display none -monitor none -serial "file:$ctl/console" \
  -kernel "$VMLINUZ" -initrd "$INITRD" \
  -append "console=ttyS0 quiet panic=-1 cgroup_no_v1=all" \
  $(fsdev hostroot / ,readonly=on) $(fsdev control "$ctl" "") ${results:+$(fsdev results "$results" "")} \
  > "$ctl/qemu.log" 2>&1 &
qpid=$!
start=$(date +%s)
# Stream the job's output while the VM runs; stop at power-off or at the deadline.
tail -n +1 -f --pid="$qpid" "$ctl/out" &
tpid=$!
while kill -0 "$qpid" 2>/dev/null; do
  if (( $(date +%s) - start >= TIMEOUT )); then kill "$qpid"; wait "$qpid" 2>/dev/null; qpid=; wait "$tpid" 2>/dev/null
    say "timed out after ${TIMEOUT}s"; exit 124; fi
  sleep 1
done
wait "$qpid"; q=$?; qpid=
wait "$tpid" 2>/dev/null || true
[ -f "$ctl/rc" ] && exit "$(cat "$ctl/rc")"
say "the VM ended without a result (qemu exit status $q)"
tail -n 20 "$ctl/qemu.log" "$ctl/console" >&2 2>/dev/null
exit 125
