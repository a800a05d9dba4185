#!/usr/bin/env bash
# Runs every model x dataset of a benchmark suite whose data is present under
# ROOT with the paper's hyper-parameters, and writes
# scripts/reports/reproduction_SUITE.md (ours against the GAS paper).
#
#   scripts/reproduce.sh small [ROOT] [BUILD_DIR]   # Planetoid, Amazon, Coauthor, WikiCS
#   scripts/reproduce.sh large [ROOT] [BUILD_DIR]   # + the 1M/10M-node synthetic graphs and
#                                                   #   the memory/epoch-time scaling plot
# RUNS=N overrides the configs' run counts. The small suite with GCNII's
# 64-layer configuration takes hours on 2 cores. Needs python3 and gnuplot.
set -euo pipefail
cd "$(dirname "$0")/.."
suite=${1:?usage: reproduce.sh small|large [ROOT] [BUILD_DIR]}
root=${2:-${GAS_DATA_DIR:-../shared/data}}
build=${3:-build}
out=$build/reproduce/$suite
mkdir -p "$out"
runs=${RUNS:+runs=$RUNS}

run() {  # model dataset [args...]
  local model=$1 dataset=$2
  shift 2
  if [[ $dataset != synthetic* ]] && ! "$build/bin/gas_data" info dataset="$dataset" root="$root" > /dev/null 2>&1; then
    echo "skip $model/$dataset: no data under $root"
    return
  fi
  echo "[$(date +%H:%M:%S)] $model on $dataset"
  # Generated graphs cache their partitions beside the results, not in the data root.
  local data_root=$root
  [[ $dataset == synthetic* ]] && data_root=$out
  "$build/bin/${suite}_benchmark" model="$model" dataset="$dataset" root="$data_root" log_every=0 $runs \
    out_dir="$out/$model-$dataset" "$@" > "$out/$model-$dataset.log" 2>&1 || echo "FAILED: see $out/$model-$dataset.log"
}

# Every dataset block of configs/SUITE/MODEL.yaml but the synthetic and custom ones.
datasets() {
  sed -n 's/^  \([a-z0-9-]*\):$/\1/p' "configs/$suite/$1.yaml" | grep -v -e '^synthetic' -e '^custom$'
}

for config in configs/$suite/*.yaml; do
  model=$(basename "$config" .yaml)
  for dataset in $(datasets "$model"); do run "$model" "$dataset"; done
done
if [[ $suite == large ]]; then
  for model in gcn gcn2 pna pna_jk; do run "$model" synthetic-1m; done
  run gcn synthetic-10m
  scripts/scaling.sh "$build" "$out"
fi
python3 scripts/report.py reproduce "$suite" "$out" scripts/reports
echo "wrote scripts/reports/reproduction_$suite.md"
