#!/usr/bin/env bash
# Soak test (not in CI: about 10 minutes): EPOCHS (200) epochs of GCN on
# synthetic-1m with the asynchronous history store and a background loader,
# sampling the process every SOAK_INTERVAL (0.25) s. Passes when the
# resident set stays flat (each later epoch's peak within 5% of the peak of
# epochs 5-14) and the threads and open file descriptors never exceed their
# maxima of epochs 5-14: no leak of memory, threads or files.
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
  sleep "${SOAK_INTERVAL:-0.25}"
done
wait "$pid" || { echo "soak: the run failed:"; tail -5 "$out/log"; exit 1; }

python3 - "$out/samples" "$epochs" <<'EOF'
import sys
samples = [tuple(map(int, l.split())) for l in open(sys.argv[1]) if len(l.split()) == 4]
epochs = int(sys.argv[2])
# Within an epoch the resident set swings by a tenth or more (training's
# batches, then evaluation's whole-graph pass): compare each epoch's peak,
# never one sample, so that growth means growth.
peaks, threads, fds = {}, {}, {}
for epoch, rss, t, f in samples:
    peaks[epoch] = max(peaks.get(epoch, 0), rss)
    threads[epoch] = max(threads.get(epoch, 0), t)
    fds[epoch] = max(fds.get(epoch, 0), f)
early = [e for e in peaks if 5 <= e < 15]
late = [e for e in peaks if 15 <= e < epochs]  # not the end, where the run writes its outputs
if not early or not late:
    sys.exit("soak: too few epochs sampled (EPOCHS of at least 20)")
base = max(peaks[e] for e in early)
top = max(peaks[e] for e in late)
growth = (top - base) / base
mib = lambda kib: f"{kib / 1024:.0f}"
windows = [(lo, min(lo + 20, epochs + 1)) for lo in range(0, epochs + 1, 20)]
trend = " ".join(f"{lo}-{hi - 1}: {mib(max(peaks[e] for e in peaks if lo <= e < hi))}" for lo, hi in windows
                 if any(lo <= e < hi for e in peaks))
early_threads, early_fds = max(threads[e] for e in early), max(fds[e] for e in early)
late_threads, late_fds = max(threads[e] for e in late), max(fds[e] for e in late)
print(f"soak: {len(samples)} samples over {epochs} epochs; peak RSS of epochs 5-14 {mib(base)} MiB, of epochs "
      f"15-{epochs - 1} {mib(top)} MiB (+{100 * growth:.1f}%); peaks by 20 epochs (MiB): {trend}")
print(f"soak: threads max {early_threads} in epochs 5-14, {late_threads} after; open files max {early_fds} in "
      f"epochs 5-14, {late_fds} after")
ok = growth <= 0.05 and late_threads <= early_threads and late_fds <= early_fds
print("soak: PASS" if ok else "soak: FAIL")
sys.exit(0 if ok else 1)
EOF
