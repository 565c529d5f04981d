# quai run on kernel 6.1 with cgroup v2: Docker's security defaults hold — the default capability set
# (CapEff 00000000a80425fb), seccomp filter mode, masked /proc/kcore, read-only /proc/sys.
out=$(quai run --rm $IMAGE sh -c 'grep -E "^(CapEff|Seccomp):" /proc/self/status | tr -s "\t " " " | tr "\n" ";";
  echo "kcore=$(wc -c < /proc/kcore)"; (echo 1 > /proc/sys/kernel/domainname) 2>/dev/null && echo sys-writable || echo sys-ro') \
  || fail "quai run: $out"
note "$(echo "$out" | tr '\n' ' ')"
case "$out" in *"CapEff: 00000000a80425fb;"*) ;; *) fail "CapEff is not Docker's default set: $out" ;; esac
case "$out" in *"Seccomp: 2;"*) ;; *) fail "no seccomp filter: $out" ;; esac
case "$out" in *kcore=0*) ;; *) fail "/proc/kcore is not masked: $out" ;; esac
case "$out" in *sys-ro*) ;; *) fail "/proc/sys is writable: $out" ;; esac
