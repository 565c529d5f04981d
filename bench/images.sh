#!/usr/bin/env bash
# Loads and unpacks a large multi-layer image (~500 MB uncompressed, 10 gzip layers, half random and half
# compressible data, generated locally) with quai, podman load, and skopeo + umoci unpack, and prints MB/s
# (uncompressed layer bytes per second of wall time) and the ratio to quai.
#
#   bench/images.sh                 # uses out/bin/quai (dotnet publish src/Quai.Cli -c Release -o out/bin)
#   QUAI_BIN=... LAYERS=10 LAYER_MB=50 RUNS=3 bench/images.sh
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
QUAI_BIN=${QUAI_BIN:-$here/out/bin/quai}
LAYERS=${LAYERS:-10}
LAYER_MB=${LAYER_MB:-50}
RUNS=${RUNS:-3}
WORK=${BENCH_DIR:-/var/tmp/quai-bench}
image=$WORK/image-${LAYERS}x${LAYER_MB}.tar

[ -x "$QUAI_BIN" ] || { echo "quai not found at $QUAI_BIN: run dotnet publish src/Quai.Cli -c Release -o out/bin" >&2; exit 1; }
mkdir -p "$WORK"

if [ ! -f "$image" ]; then
  echo "generating $image ($LAYERS layers x $LAYER_MB MB)..." >&2
  python3 - "$image" "$LAYERS" "$LAYER_MB" <<'PY'
import gzip, hashlib, io, json, os, random, sys, tarfile
out, layers, mb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(42)
blobs, diff_ids, descs = {}, [], []
def add(data, mt):
    d = hashlib.sha256(data).hexdigest(); blobs[d] = data
    return {"mediaType": mt, "digest": "sha256:" + d, "size": len(data)}
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
md["annotations"] = {"io.containerd.image.name": "localhost/bench/big:1", "org.opencontainers.image.ref.name": "localhost/bench/big:1"}
with tarfile.open(out + ".tmp", "w") as t:
    def put(name, data):
        ti = tarfile.TarInfo(name); ti.size = len(data); ti.mode = 0o644; t.addfile(ti, io.BytesIO(data))
    put("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
    for d, data in blobs.items(): put("blobs/sha256/" + d, data)
    put("index.json", json.dumps({"schemaVersion": 2, "manifests": [md]}).encode())
os.rename(out + ".tmp", out)
PY
fi

uncompressed_mb=$((LAYERS * LAYER_MB))
archive_mb=$(( $(stat -c %s "$image") / 1000000 ))
echo "image: $image: $LAYERS layers, ${uncompressed_mb} MiB uncompressed, ${archive_mb} MB archive (gzip -1)"

now() { date +%s.%N; }
best=""
measure() { # name, setup, command, cleanup
  local name=$1 setup=$2 cmd=$3 cleanup=$4 t min=""
  for _ in $(seq "$RUNS"); do
    eval "$setup"; sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
    local s; s=$(now); eval "$cmd" >/dev/null; t=$(echo "$(now) - $s" | bc -l)
    eval "$cleanup"
    if [ -z "$min" ] || [ "$(echo "$t < $min" | bc -l)" = 1 ]; then min=$t; fi
  done
  printf '%-28s %7.2f s  %7.1f MB/s' "$name" "$min" "$(echo "$uncompressed_mb * 1.048576 / $min" | bc -l)"
  if [ -n "$best" ]; then printf '   x%.2f of quai time' "$(echo "$min / $best" | bc -l)"; else best=$min; fi
  echo
}

q=$WORK/quai-root
measure "quai load (overlayfs)" "rm -rf $q" "$QUAI_BIN --root $q load -i $image" "$QUAI_BIN --root $q rmi -f localhost/bench/big:1 >/dev/null; rm -rf $q"
measure "quai load (native)" "rm -rf $q" "$QUAI_BIN --root $q --storage-driver native load -i $image" "rm -rf $q"

if command -v podman >/dev/null; then
  p=$WORK/podman-root; pr=/tmp/qb-podman-run
  measure "podman load (overlay)" "rm -rf $p $pr" \
    "podman --root $p --runroot $pr --storage-driver overlay load -q -i $image" \
    "podman --root $p --runroot $pr --storage-driver overlay rmi -a -f >/dev/null 2>&1; rm -rf $p $pr"
else
  echo "podman: not installed, skipped"
fi

if command -v skopeo >/dev/null && command -v umoci >/dev/null; then
  o=$WORK/oci-layout; b=$WORK/umoci-bundle
  measure "skopeo copy + umoci unpack" "rm -rf $o $b" \
    "skopeo copy -q oci-archive:$image oci:$o:big && umoci unpack --image $o:big $b" "rm -rf $o $b"
else
  echo "skopeo/umoci: not installed, skipped"
fi
