#!/usr/bin/env bash
# Times cold pulls of a large multi-layer image (~500 MB uncompressed: LAYERS gzip layers of LAYER_MB,
# half random and half compressible data, generated locally) from a local registry (Debian's
# docker-registry 2.8 on 127.0.0.1, plain http, started by this script; the image pushed once with
# skopeo) with `quai pull`, `podman pull`, and `skopeo copy` to an OCI layout + `umoci unpack`.
# Every run starts from an empty store (a fresh --root); the registry's files stay in the page cache
# for all three alike. Prints the median of RUNS for each, MB/s (uncompressed layer bytes per second
# of wall time), and the ratio quai/peer (< 1: quai is faster). Without `quai pull` (or quai) it says
# so and still times the peers.
#
#   bench/pull.sh                  # uses out/bin/quai (dotnet publish src/Quai.Cli -c Release -o out/bin)
#   QUAI_BIN=... LAYERS=5 LAYER_MB=100 RUNS=3 bench/pull.sh
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
QUAI_BIN=${QUAI_BIN:-$here/out/bin/quai}
LAYERS=${LAYERS:-5}
LAYER_MB=${LAYER_MB:-100}
RUNS=${RUNS:-3}
CACHE=${BENCH_DIR:-/var/tmp/quai-bench}          # the generated layout, kept between runs
layout=$CACHE/pull-layout-${LAYERS}x${LAYER_MB}
WORK=$(mktemp -d /var/tmp/quai-bench-pull.XXXXXX)
registry_pid=""

for tool in docker-registry skopeo curl python3; do
  command -v "$tool" >/dev/null || { echo "$tool not installed (scripts/setup.sh lists it)" >&2; exit 1; }
done

pod() { podman --root "$WORK/podman-root" --runroot "$WORK/podman-run" --storage-driver overlay --cgroup-manager=cgroupfs --events-backend=file "$@"; }
unmount_under() { # lazily unmounts everything mounted at or under $1, deepest first
  awk -v p="$1" '$5 == p || index($5, p "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
}
cleanup() {
  [ -d "$WORK/podman-root" ] && pod system reset -f >/dev/null 2>&1 || true
  if [ -n "$registry_pid" ]; then kill "$registry_pid" 2>/dev/null || true; wait "$registry_pid" 2>/dev/null || true; fi
  unmount_under "$WORK"
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$CACHE"
if [ ! -f "$layout/index.json" ]; then
  echo "generating $layout ($LAYERS layers x $LAYER_MB MB)..." >&2
  rm -rf "$layout.tmp"
  python3 - "$layout.tmp" "$LAYERS" "$LAYER_MB" <<'PY'
import gzip, hashlib, io, json, os, random, sys, tarfile
out, layers, mb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(42)
os.makedirs(out + "/blobs/sha256")
def add(data, mt):
    d = hashlib.sha256(data).hexdigest()
    with open(out + "/blobs/sha256/" + d, "wb") as f: f.write(data)
    return {"mediaType": mt, "digest": "sha256:" + d, "size": len(data)}
diff_ids, descs = [], []
for i in range(layers):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        for d in ("layer%d" % i, "layer%d/sub" % i):
            ti = tarfile.TarInfo(d); ti.type = tarfile.DIRTYPE; ti.mode = 0o755; t.addfile(ti)
        total, n = mb << 20, 0
        while total > 0:
            size = min(total, rng.choice([4096, 65536, 1 << 20, 4 << 20]))
            if n % 2: data = os.urandom(size)
            else: data = (("line %d of layer %d: the quick brown fox jumps over the lazy dog\n" % (n, i)) * (size // 60 + 1)).encode()[:size]
            ti = tarfile.TarInfo("layer%d/%sfile%05d" % (i, "sub/" if n % 3 == 0 else "", n)); ti.size = size; ti.mode = 0o644
            t.addfile(ti, io.BytesIO(data)); total -= size; n += 1
    raw = raw.getvalue()
    diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
    descs.append(add(gzip.compress(raw, compresslevel=1, mtime=0), "application/vnd.oci.image.layer.v1.tar+gzip"))
config = {"architecture": "amd64", "os": "linux", "config": {"Cmd": ["sh"]},
          "rootfs": {"type": "layers", "diff_ids": diff_ids}, "history": [{"created_by": "layer %d" % i} for i in range(layers)]}
cd = add(json.dumps(config).encode(), "application/vnd.oci.image.config.v1+json")
md = add(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": cd, "layers": descs}).encode(),
         "application/vnd.oci.image.manifest.v1+json")
md["annotations"] = {"org.opencontainers.image.ref.name": "bench"}
with open(out + "/oci-layout", "w") as f: f.write('{"imageLayoutVersion":"1.0.0"}')
with open(out + "/index.json", "w") as f: json.dump({"schemaVersion": 2, "manifests": [md]}, f)
PY
  mv "$layout.tmp" "$layout"
fi

# the registry: a free port, storage in $WORK, ready when /v2/ answers
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$WORK/registry"
cat > "$WORK/registry.yml" <<YML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $WORK/registry
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: quai-bench-$RANDOM$RANDOM
YML
docker-registry serve "$WORK/registry.yml" > "$WORK/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$port/v2/" >/dev/null || { echo "docker-registry did not start:" >&2; cat "$WORK/registry.log" >&2; exit 1; }
ref=127.0.0.1:$port/bench:1
skopeo --insecure-policy copy -q --dest-tls-verify=false --dest-no-creds "oci:$layout:bench" "docker://$ref"

uncompressed_mb=$((LAYERS * LAYER_MB))
compressed_mb=$(( $(du -sb "$layout/blobs" | cut -f1) / 1000000 ))
echo "image: $ref: $LAYERS layers, ${uncompressed_mb} MiB uncompressed, ${compressed_mb} MB gzip (-1); median of $RUNS cold pulls"

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_runs() { # setup, command, cleanup: prints the median wall time in seconds (fails if a run fails)
  local setup=$1 cmd=$2 clean=$3 t=()
  for _ in $(seq "$RUNS"); do
    eval "$setup"; sync
    local s; s=$(now)
    if ! eval "$cmd" >"$WORK/out.log" 2>&1; then echo "failed: $cmd" >&2; cat "$WORK/out.log" >&2; eval "$clean"; return 1; fi
    t+=("$(echo "$(now) - $s" | bc -l)")
    eval "$clean"
  done
  printf '%s\n' "${t[@]}" | median
}
declare -A result=()
row() { printf '%-30s %7.2f s  %7.1f MB/s\n' "$1" "$2" "$(echo "$uncompressed_mb * 1.048576 / $2" | bc -l)"; }

q=$WORK/quai-root
if [ -x "$QUAI_BIN" ] && "$QUAI_BIN" pull --help >/dev/null 2>&1; then
  result[quai]=$(time_runs "rm -rf $q" "$QUAI_BIN --root $q pull $ref" "unmount_under $q; rm -rf $q")
  row "quai pull" "${result[quai]}"
else
  echo "quai pull not available ($QUAI_BIN): timing the peers only"
fi

if command -v podman >/dev/null; then
  result[podman]=$(time_runs "rm -rf $WORK/podman-root $WORK/podman-run" "pod pull -q --tls-verify=false $ref" \
    "pod system reset -f >/dev/null 2>&1; unmount_under $WORK/podman-root; rm -rf $WORK/podman-root $WORK/podman-run")
  row "podman pull (overlay)" "${result[podman]}"
else
  echo "podman: not installed, skipped"
fi

if command -v umoci >/dev/null; then
  o=$WORK/oci; b=$WORK/bundle
  result[skopeo]=$(time_runs "rm -rf $o $b" \
    "skopeo --insecure-policy copy -q --src-tls-verify=false --src-no-creds docker://$ref oci:$o:bench && umoci unpack --image $o:bench $b" \
    "rm -rf $o $b")
  row "skopeo copy + umoci unpack" "${result[skopeo]}"
else
  echo "umoci: not installed, skipped"
fi

if [ -n "${result[quai]:-}" ]; then
  for peer in podman skopeo; do
    [ -n "${result[$peer]:-}" ] && printf 'quai/%-8s x%.2f\n' "$peer" "$(echo "${result[quai]} / ${result[$peer]}" | bc -l)"
  done
fi
