#!/usr/bin/env bash
# GCN on random geometric graphs of 0.25M to 4M nodes at a fixed part size
# (5,000 nodes, 10 parts per batch), with GAS and with full-batch training
# (one batch holding the whole graph). Used by perf_report.sh and
# reproduce.sh; results go to OUT/scaling/{gas,full}/NODES/. Several builds
# (perf_report.sh's baseline) run each point one after the other.
#   scripts/scaling.sh BUILD_DIR OUT [BUILD_DIR OUT ...]
set -euo pipefail
(($# >= 2 && $# % 2 == 0)) || { echo "usage: scripts/scaling.sh BUILD_DIR OUT [BUILD_DIR OUT ...]"; exit 2; }
for n in 250000 500000 1000000 2000000 4000000; do
  for mode in gas full; do
    extra="params.num_parts=$((n / 5000))"
    [[ $mode == full ]] && extra="params.num_parts=1 params.batch_size=1"
    for ((i = 1; i < $#; i += 2)); do
      bin=${!i}/bin
      j=$((i + 1))
      out=${!j}
      echo "[$(date +%H:%M:%S)] scaling: $mode, $n nodes: ${!i}"
      "$bin/large_benchmark" model=gcn dataset=synthetic-1m params.data.num_nodes=$n epochs=3 log_every=0 root="$out" \
        out_dir="$out/scaling/$mode/$n" $extra > "$out/scaling_${mode}_$n.log" 2>&1
    done
  done
done
