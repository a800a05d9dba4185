#!/usr/bin/env bash
# GCN on random geometric graphs of 0.25M to 4M nodes at a fixed part size
# (5,000 nodes, 10 parts per batch), with GAS and with full-batch training
# (one batch holding the whole graph). Used by perf_report.sh and
# reproduce.sh; results go to OUT/scaling/{gas,full}/NODES/.
#   scripts/scaling.sh BUILD_DIR OUT
set -euo pipefail
bin=$1/bin
out=$2
for n in 250000 500000 1000000 2000000 4000000; do
  for mode in gas full; do
    echo "[$(date +%H:%M:%S)] scaling: $mode, $n nodes"
    extra="params.num_parts=$((n / 5000))"
    [[ $mode == full ]] && extra="params.num_parts=1 params.batch_size=1"
    "$bin/large_benchmark" model=gcn dataset=synthetic-1m params.data.num_nodes=$n epochs=3 log_every=0 \
      out_dir="$out/scaling/$mode/$n" $extra > "$out/scaling_${mode}_$n.log" 2>&1
  done
done
