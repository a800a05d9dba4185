#!/usr/bin/env bash
# Measures every performance target of gas on this machine and writes
# scripts/reports/performance.md (plus the plots it shows). One command:
#
#   scripts/perf_report.sh [BUILD_DIR [BASELINE_BUILD_DIR]]   # default: build
#
# Takes about 35 minutes on 2 cores (more without huge pages). Run it on a
# quiet machine: the figures that count are ratios between configurations
# measured in the same run, each configuration repeated and interleaved with
# the others. Needs python3 and gnuplot (Debian: apt-get install python3
# gnuplot-nox). The peers (PyG's full-batch GCN and Cluster-GCN, timed on the
# same graphs in the same run) need scripts/install_pyg.sh's environment
# (GAS_PYG_PYTHON, default: what that script prints if it is installed);
# without it their section says so.
#
# With a baseline (a build of an earlier commit, say in a git worktree), every
# measurement runs for both builds back to back, the order alternating between
# repetitions, so that a change's speed is judged against its parent in the
# same minutes of the same machine: the baseline's results go to
# BASELINE_BUILD_DIR/perf, and BUILD_DIR/perf/compare.md gives new/old for
# every row with each side's spread over its repetitions. Twice the time.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
baseline=${2:-}
builds=("$build")
[[ -n $baseline ]] && builds=("$baseline" "$build")
for tool in python3 gnuplot; do
  command -v $tool > /dev/null || { echo "perf_report: $tool is needed (apt-get install python3 gnuplot-nox)"; exit 1; }
done
for b in "${builds[@]}"; do
  [[ -x $b/bin/large_benchmark && -x $b/bin/small_benchmark && -x $b/bin/gas_micro_benchmarks ]] ||
    { echo "perf_report: build first ($b/bin)"; exit 1; }
  rm -rf "$b/perf"
  mkdir -p "$b/perf"
done
data=${GAS_DATA_DIR:-../shared/data}

log() { echo "[$(date +%H:%M:%S)] $*"; }

# The builds in the order of repetition REP: alternating, so that neither
# side always runs on a machine the other has just warmed.
in_order() {
  if (($1 % 2 == 1)); then printf '%s\n' "${builds[@]}"; else printf '%s\n' "${builds[@]}" | tac; fi
}

# ------------------------------------------------------------ machine
for b in "${builds[@]}"; do
  {
    echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
    echo "memory: $(free -g | awk '/Mem:/ {print $2}') GiB"
    echo "kernel: $(uname -r)"
    echo "libtorch: $(dpkg-query -W -f='${Version}' libtorch-dev 2>/dev/null || echo unknown)"
    echo "blas: $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || echo unknown)"
    echo "openblas kernels: $("$b/bin/small_benchmark" --version | sed -n 's/.*OpenBLAS kernels: \([A-Za-z0-9]*\).*/\1/p')"
    echo "huge pages: $("$b/bin/small_benchmark" --version | sed -n "s/^ *huge pages: //p")"
    echo "compiler: $(c++ --version | head -1)"
    echo "gas: $(git -C "$b" describe --always --dirty 2>/dev/null || echo unknown)"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  } > "$b/perf/machine.txt"
done

# ---------------------------------------------------- micro-benchmarks
# Three repetitions in random order, medians reported: a single run of a
# one-second benchmark is at the mercy of whatever else the machine does.
for b in $(in_order 1); do
  log "micro-benchmarks (1M-node graphs): $b"
  GAS_BENCH_NODES=1000000 "$b/bin/gas_micro_benchmarks" --benchmark_min_time=0.2 --benchmark_repetitions=3 \
    --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true \
    --benchmark_out="$b/perf/micro.json" --benchmark_out_format=json > "$b/perf/micro.txt" 2>&1
done

# ------------------------------------------------------- end to end
# GCN, 2 layers x 64, on the 1M-node random geometric graph: 200 parts of
# 5,000 nodes, 10 parts per batch. Each configuration runs three times, the
# repetitions interleaved, 6 epochs each (the first is warm-up).
declare -A configs=(
  [gas]=""
  [gas_precomputed]="params.precompute=true"
  [gas_precomputed_1thread]="params.precompute=true threads=1"
  [gas_worker]="params.num_workers=1"
  [gas_worker_2threads]="params.num_workers=1 threads=2"
  [gas_async]="params.history_io=async"
  [gas_full_eval]="params.inference=full"
  [full_random_order]="params.num_parts=1 params.batch_size=1"
  [full_metis_order]="params.batch_size=200"
)
for rep in 1 2 3; do
  for name in "${!configs[@]}"; do
    for b in $(in_order $rep); do
      log "end to end: $name ($rep/3) $b"
      # Every build partitions into its own perf folder: no run reads a
      # partition another build cached.
      "$b/bin/large_benchmark" model=gcn dataset=synthetic-1m epochs=6 log_every=0 root="$b/perf" \
        out_dir="$b/perf/e2e/$name/$rep" ${configs[$name]} > "$b/perf/e2e_${name}_$rep.log" 2>&1
    done
  done
done

for b in $(in_order 2); do
  log "end to end: stochastic block model, 1M nodes: $b"
  "$b/bin/large_benchmark" model=gcn dataset=synthetic-sbm-1m epochs=3 log_every=0 root="$b/perf" out_dir="$b/perf/e2e/sbm/1" \
    > "$b/perf/e2e_sbm.log" 2>&1
done

# METIS on the 10M-node random geometric graph: the partition step against
# the bare METIS call (BM_Metis), as the micro-benchmarks do for 1M nodes.
for b in $(in_order 1); do
  log "METIS, 10M nodes: $b"
  GAS_BENCH_NODES=10000000 "$b/bin/gas_micro_benchmarks" --benchmark_filter=BM_Metis \
    --benchmark_out="$b/perf/metis_10m.json" --benchmark_out_format=json > "$b/perf/metis_10m.txt" 2>&1
done

# ---------------------------------------------------- memory scaling
pairs=()
for b in $(in_order 1); do pairs+=("$b" "$b/perf"); done
scripts/scaling.sh "${pairs[@]}"

# ------------------------------------------------- small graphs vs PyGAS
# Sparse (the default for these features) and dense inputs.
for d in cora citeseer; do
  if [[ -f $data/Planetoid/Cora/raw/ind.cora.x ]]; then
    for features in sparse dense; do
      for b in $(in_order 2); do
        log "small: $d, $features features, $b"
        "$b/bin/small_benchmark" model=gcn dataset=$d root="$data" runs=1 epochs=100 log_every=0 \
          params.cache_partition=false params.sparse_features=$([[ $features == sparse ]] && echo auto || echo false) \
          out_dir="$b/perf/small/$d-$features" > "$b/perf/small_$d-$features.log" 2>&1
      done
    done
  fi
done

# --------------------------------------------------------- PyG peers
# PyG's full-batch GCN and Cluster-GCN on Cora, CiteSeer and synthetic-1m
# (written to disk in the custom format by gas_data), each next to the gas
# runs above: in the same run, on the same graphs. One process each.
pyg=${GAS_PYG_PYTHON:-}
if [[ -z $pyg ]] && venv_py=$(scripts/install_pyg.sh --check 2> /dev/null); then pyg=$venv_py; fi
if [[ -n $pyg ]]; then
  graph_dir="$build/perf/synthetic-1m-custom"
  rm -rf "$graph_dir"
  "$build/bin/gas_data" write dataset=synthetic data.kind=rgg data.num_nodes=1000000 data.avg_degree=10 \
    data.num_features=64 data.num_classes=8 data.feature_noise=12.0 out="$graph_dir" > "$build/perf/pyg_write.log"
  mkdir -p "$build/perf/pyg"
  for rep in 1 2; do
    for d in cora citeseer synthetic-1m; do
      [[ $d != synthetic-1m && ! -f $data/Planetoid/Cora/raw/ind.cora.x ]] && continue
      for m in full cluster; do
        log "PyG peer: $d $m ($rep/2)"
        epochs=$([[ $d == synthetic-1m ]] && echo 3 || echo 20)
        "$pyg" scripts/pyg_peers.py $d $m --root "$data" --custom "$graph_dir" --epochs $epochs \
          > "$build/perf/pyg/$d-$m-$rep.log" 2>&1 || log "PyG peer failed: $build/perf/pyg/$d-$m-$rep.log"
      done
    done
  done
  rm -rf "$graph_dir"
else
  log "PyG peers skipped: no environment (scripts/install_pyg.sh, or GAS_PYG_PYTHON)"
fi

log "rendering scripts/reports/performance.md"
python3 scripts/report.py perf "$build/perf" scripts/reports
if [[ -n $baseline ]]; then
  python3 scripts/report.py compare "$baseline/perf" "$build/perf"
  log "new/old for every row: $build/perf/compare.md"
fi
log "done"
