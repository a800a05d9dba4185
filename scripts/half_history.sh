#!/usr/bin/env bash
# Accuracy with the histories stored in float32, float16 and bfloat16
# (history_dtype): GCN on Cora and CiteSeer (small benchmark, RUNS=10 runs)
# and on synthetic-1m (large benchmark, LARGE_RUNS=3 runs); writes
# build/perf/half_history.md.
#   scripts/half_history.sh [build] [root]     (defaults: build, ../shared/data)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
root=${2:-${GAS_DATA_DIR:-../shared/data}}
out=$build/perf/half_history
mkdir -p "$out"
for dtype in float32 float16 bfloat16; do
  for dataset in cora citeseer; do
    "$build/bin/small_benchmark" model=gcn dataset=$dataset root="$root" runs=${RUNS:-10} log_every=0 \
      params.history_dtype=$dtype json="$out/$dataset-$dtype.json" >"$out/$dataset-$dtype.log" 2>&1
  done
  "$build/bin/large_benchmark" model=gcn dataset=synthetic-1m root="$root" runs=${LARGE_RUNS:-3} log_every=0 \
    params.history_dtype=$dtype json="$out/synthetic-1m-$dtype.json" >"$out/synthetic-1m-$dtype.log" 2>&1
done
python3 - "$out" <<'PY' | tee "$build/perf/half_history.md"
import json, sys
out = sys.argv[1]
print("| dataset | float32 | float16 | bfloat16 | history MiB (float32 / half) |")
print("|---|---|---|---|---|")
for d in ("cora", "citeseer", "synthetic-1m"):
    r = {t: json.load(open(f"{out}/{d}-{t}.json")) for t in ("float32", "float16", "bfloat16")}
    cells = [f"{r[t]['mean']:.2f} ± {r[t]['std']:.2f} ({len(r[t]['runs'])} runs)" for t in ("float32", "float16", "bfloat16")]
    print(f"| {d} | " + " | ".join(cells) + f" | {r['float32']['history_mb']:.1f} / {r['float16']['history_mb']:.1f} |")
PY
