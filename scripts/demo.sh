#!/usr/bin/env bash
# The main job on a fresh machine: set everything up, build an example image from Debian's
# busybox-static, build the example app (examples/hello, multi-stage) on it with quai build, and run both.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

work=$(mktemp -d /tmp/quai-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The image: a root filesystem holding busybox-static and its applets, imported with a CMD.
mkdir -p "$work/rootfs/bin" "$work/rootfs/etc" "$work/rootfs/tmp"
cp /bin/busybox "$work/rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do [ "$applet" = busybox ] || ln -sf busybox "$work/rootfs/bin/$applet"; done
echo "root:x:0:0:root:/root:/bin/sh" > "$work/rootfs/etc/passwd"
echo "root:x:0:" > "$work/rootfs/etc/group"
tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
quai import -c 'CMD ["sh", "-c", "echo Hello from a Quai container: hostname $(hostname), pid $$; id; ps"]' \
  "$work/rootfs.tar" quai-demo/busybox:latest >/dev/null
quai images quai-demo/busybox
quai run --rm quai-demo/busybox

# The example app: a multi-stage Dockerfile in the repository, built on that image.
quai build -t quai-demo/hello:latest examples/hello
quai run --rm quai-demo/hello
quai history quai-demo/hello
