# quai run on v2: the device cgroup is an eBPF program; Docker's rules allow mknod of any device but
# open only of the default ones (/dev/null c 1:3 yes, /dev/kmsg c 1:11 no), --device adds one.
out=$(quai run --rm $IMAGE sh -c 'mknod /dev/n2 c 1 3 && echo x > /dev/n2 && echo null-ok;
  mknod /dev/k2 c 1 11 && echo mknod-ok; head -c1 /dev/k2 2>&1 || echo kmsg-denied')
note "$out"
case "$out" in *null-ok*) ;; *) fail "writing a mknod'ed c 1:3 failed: $out" ;; esac
case "$out" in *mknod-ok*) ;; *) fail "mknod c 1:11 was refused: $out" ;; esac
case "$out" in *"Operation not permitted"*kmsg-denied*) ;; *) fail "opening c 1:11 was not denied by the device program: $out" ;; esac
modprobe brd rd_nr=1 rd_size=4096 2>/dev/null; [ -b /dev/ram0 ] || fail "no /dev/ram0"
out=$(quai run --rm --device /dev/ram0 $IMAGE sh -c 'head -c 512 /dev/ram0 | wc -c') || fail "--device /dev/ram0: $out"
expect "bytes read from --device /dev/ram0" "$out" 512
