#!/usr/bin/env bash
# Data-parallel GAS measured on this machine, then modelled beyond it
# (scripts/reports/distributed.md, not in CI; about 30 minutes):
#  1. GCN on synthetic-1m with K = 1, 2, 4 processes (gas_launch, loopback;
#     K > 1 from shard sets written by gas_data partition): per-rank static
#     memory and peak RSS, bytes per step and per epoch, accuracy;
#  2. the halos a partition into K = 2..64 rank blocks gives synthetic-1m,
#     synthetic-10m and the stochastic block model (gas_data partition);
#  3. report.py distributed: the tables, and a cost model fed by (1) and (2)
#     predicting epoch times on 8, 16 and 64 machines.
#   scripts/distributed.sh [BUILD_DIR] [OUT]     (defaults: build, build/perf/distributed)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
out=${2:-$build/perf/distributed}
bin=$build/bin
mkdir -p "$out"
say() { echo "[$(date +%H:%M:%S)] distributed: $*"; }
# The data keys of the large suite's configuration of a graph.
data_keys() {
  python3 - "$1" <<'PY'
import sys, yaml
data = yaml.safe_load(open("configs/large/gcn.yaml"))["params"][sys.argv[1]]["data"]
print(" ".join(f"data.{k}={v}" for k, v in data.items()))
PY
}
for k in 1 2 4; do
  # K > 1: each process reads its own shard, written once beforehand, and
  # never holds the whole graph.
  shards=()
  if ((k > 1)); then
    rm -rf "$out/shards_k$k"
    # shellcheck disable=SC2046
    "$bin/gas_data" partition dataset=synthetic root="$out/data" $(data_keys synthetic-1m) ranks=$k parts=200 \
      out="$out/shards_k$k" > "$out/shards_k$k.log" 2>&1 || { tail -5 "$out/shards_k$k.log"; exit 1; }
    shards=(shards="$out/shards_k$k")
  fi
  say "synthetic-1m, $k process(es)"
  "$bin/gas_launch" -n $k -- "$bin/large_benchmark" model=gcn dataset=synthetic-1m root="$out/data" runs=3 log_every=1 \
    "${shards[@]}" json="$out/k$k.json" out_dir="$out/k$k" > "$out/k$k.log" 2>&1 || { tail -5 "$out/k$k.log"; exit 1; }
  grep -E "^Mini Acc|process(es)?: static" "$out/k$k.log"
done
for graph in synthetic-1m synthetic-sbm-1m synthetic-10m; do
  ranks=2,4,8,16,64
  [[ $graph == synthetic-10m ]] && ranks=8,16,64
  say "$graph: halos for K = $ranks"
  keys=$(data_keys $graph)
  # shellcheck disable=SC2086
  "$bin/gas_data" partition dataset=synthetic root="$out/data" $keys ranks=$ranks width=64 histories=1 \
    json="$out/partition_$graph.json" | tee "$out/partition_$graph.log"
done
python3 scripts/report.py distributed "$out" scripts/reports
