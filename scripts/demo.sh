#!/usr/bin/env bash
# The main job on a fresh machine: set everything up, build an example image from Debian's
# busybox-static and run it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

work=$(mktemp -d /tmp/quai-demo.XXXXXX)
trap 'quai-runtime delete --force "quai-demo-$$" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

# An OCI bundle: a busybox-static root filesystem and the default config, changed to run a
# non-interactive command.
mkdir -p "$work/rootfs/bin" "$work/rootfs/etc" "$work/rootfs/proc" "$work/rootfs/sys" "$work/rootfs/dev"
cp /bin/busybox "$work/rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do [ "$applet" = busybox ] || ln -sf busybox "$work/rootfs/bin/$applet"; done
echo "root:x:0:0:root:/root:/bin/sh" > "$work/rootfs/etc/passwd"
cd "$work"
quai-runtime spec
sed -i 's/"terminal": true/"terminal": false/' config.json
sed -i 's|"sh"$|"sh", "-c", "echo Hello from a Quai container: hostname $(hostname), pid $$; cat /etc/passwd; ps"|' config.json
sed -i 's|"readonly": true|"readonly": false|' config.json
grep -q '"cgroupsPath"' config.json || sed -i "s|\"linux\": {|\"linux\": {\n    \"cgroupsPath\": \"/quai-demo-$$\",|" config.json
quai-runtime run "quai-demo-$$"
