#!/usr/bin/env bash
# Soak test (not in CI: about 10 minutes): EPOCHS (200) epochs of GCN on
# synthetic-1m with the asynchronous history store and a background loader,
# sampling the process every 2 s. Passes when the resident set stays flat
# (within 5% after epoch 5) and the threads and open file descriptors never
# exceed their maxima of epochs 5-14: no leak of memory, threads or files.
#
#   scripts/soak.sh [build] [root]        (defaults: build, ../shared/data)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
root=${2:-${GAS_DATA_DIR:-../shared/data}}
epochs=${EPOCHS:-200}
out=$build/perf/soak
rm -rf "$out" && mkdir -p "$out"

"$build/bin/large_benchmark" model=gcn dataset=synthetic-1m root="$root" out_dir="$out/run" \
  params.epochs="$epochs" params.history_io=async params.pool_size=2 params.num_workers=1 \
  params.cache_partition=false >"$out/log" 2>&1 &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
  epoch=$( (wc -l <"$out/run.partial.$pid/metrics.jsonl") 2>/dev/null || echo 0)
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
  threads=$(awk '/^Threads/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
  fds=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
  [[ -n $rss ]] && echo "$epoch $rss $threads $fds" >>"$out/samples"
  sleep 2
done
wait "$pid" || { echo "soak: the run failed:"; tail -5 "$out/log"; exit 1; }

python3 - "$out/samples" "$epochs" <<'EOF'
import sys
samples = [tuple(map(int, l.split())) for l in open(sys.argv[1]) if len(l.split()) == 4]
after = [s for s in samples if s[0] >= 5]
if not after:
    sys.exit("soak: no samples after epoch 5")
epochs = int(sys.argv[2])
base = after[0]
early = [s for s in after if s[0] < 15]  # a worker thread comes and goes within an epoch: compare maxima
first = [s for s in after if s[0] < epochs // 2]
second = [s for s in after if s[0] >= epochs // 2]
rss = [s[1] for s in after]
growth = (max(rss) - base[1]) / base[1]
threads, fds = max(s[2] for s in after), max(s[3] for s in after)
early_threads, early_fds = max(s[2] for s in early), max(s[3] for s in early)
mib = lambda kib: f"{kib / 1024:.0f}"
print(f"soak: {len(samples)} samples over {epochs} epochs; RSS at epoch {base[0]} {mib(base[1])} MiB, max "
      f"{mib(max(rss))} (+{100 * growth:.1f}%); max in epochs 5-{epochs // 2 - 1} {mib(max(s[1] for s in first))}, "
      f"in {epochs // 2}-{epochs} {mib(max(s[1] for s in second))} MiB; threads max {early_threads} in epochs 5-14, "
      f"{threads} after; open files max {early_fds} in epochs 5-14, {fds} after")
ok = growth <= 0.05 and threads <= early_threads and fds <= early_fds
print("soak: PASS" if ok else "soak: FAIL")
sys.exit(0 if ok else 1)
EOF
