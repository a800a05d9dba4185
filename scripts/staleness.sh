#!/usr/bin/env bash
# Issue 17's experiments: how stale GAS's histories are, and whether the
# methods that reduce staleness close the gap to full-batch training
# (scripts/reports/staleness.md and staleness.png; not in CI).
#
# Every setting switches the evaluation's exact refresh off
# (params.eval_refresh=false, PyGAS's behaviour on large graphs), so that
# training alone keeps the histories. For each setting, RUNS runs of:
#   full      full-batch training (one part): the ceiling
#   plain     GAS as it is
#   exact     an exact refresh after every step (refresh_every=1): the same
#             batches and steps with no stale row, so plain's distance to it
#             is what staleness costs, and full's distance to it is what the
#             minibatch schedule costs
#   fresh     a training-mode refresh after every step (refresh_mode=train):
#             fresh rows drawn with dropout, like the in-batch rows they
#             are aggregated with (an exact row is not: eval mode)
#   refresh   an exact refresh twice per epoch (REST-like; every 2 steps
#             where an epoch has fewer than 4)
#   momentum  history_momentum=0.5 (PipeGCN's smoothing of pushes)
#   ob        ob_momentum=0.5 (GraphFM-OB; GCN only)
# plus one run with staleness=true of each (training is the same with or
# without it), for the error by age, by depth and by method.
#   scripts/staleness.sh [BUILD_DIR] [OUT]   (defaults: build, build/perf/staleness)
#   RUNS=10 (default), ONLY="setting ..." to run some settings only.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
out=${2:-$build/perf/staleness}
root=${GAS_DATA_DIR:-../shared/data}
runs=${RUNS:-10}
bin=$build/bin
mkdir -p "$out"
say() { echo "[$(date +%H:%M:%S)] staleness: $*"; }

# name | steps per epoch | keys (the setting's deviations from the paper's configuration)
settings=(
  "cora|4|model=gcn dataset=cora"
  "citeseer|3|model=gcn dataset=citeseer"
  "cora-40x1|40|model=gcn dataset=cora params.num_parts=40 params.batch_size=1"
  "cora-random|4|model=gcn dataset=cora params.partition=random"
  "appnp-cora|4|model=appnp dataset=cora params.num_parts=40 params.batch_size=10 params.epochs=200"
  "appnp-citeseer|3|model=appnp dataset=citeseer params.num_parts=24 params.batch_size=8 params.epochs=200"
  "appnp-cora-random|4|model=appnp dataset=cora params.num_parts=40 params.batch_size=10 params.partition=random params.epochs=200"
  "appnp-citeseer-random|3|model=appnp dataset=citeseer params.num_parts=24 params.batch_size=8 params.partition=random params.epochs=200"
  "gcn2-cora|4|model=gcn2 dataset=cora params.architecture.num_layers=32 params.num_parts=40 params.batch_size=10 params.epochs=200"
  "sbm|4|model=gcn dataset=synthetic params.epochs=100"
  "appnp-sbm|4|model=appnp dataset=synthetic params.epochs=100"
)

# One method of one setting: RUNS runs into $out/SETTING/METHOD (run
# directory) and METHOD.json; skipped when already there (rerun by deleting).
measure() {
  local setting=$1 method=$2; shift 2
  local dir=$out/$setting
  mkdir -p "$dir"
  if [[ -f $dir/$method.json ]]; then return; fi
  local start=$SECONDS
  rm -rf "$dir/$method"
  "$bin/small_benchmark" root="$root" log_every=0 params.eval_refresh=false params.cache_partition=false "$@" \
    out_dir="$dir/$method" json="$dir/$method.json.tmp" >"$dir/$method.log" 2>&1 ||
    { tail -5 "$dir/$method.log"; exit 1; }
  mv "$dir/$method.json.tmp" "$dir/$method.json"
  say "$setting $method: $(grep -E '^Mini Acc|^Full Acc|^Test' "$dir/$method.log" | tail -1) ($((SECONDS - start)) s)"
}

for entry in "${settings[@]}"; do
  IFS='|' read -r name steps keys <<<"$entry"
  if [[ -n ${ONLY:-} && " $ONLY " != *" $name "* ]]; then continue; fi
  read -ra k <<<"$keys"
  # method | its keys
  methods=("full|params.num_parts=1 params.batch_size=1" "plain|" "exact|params.refresh_every=1"
    "fresh|params.refresh_every=1 params.refresh_mode=train"
    "refresh|params.refresh_every=$((steps / 2 > 2 ? steps / 2 : 2))" "momentum|params.history_momentum=0.5")
  # GraphFM-OB needs a layer whose output is its propagation: GCN's.
  if [[ $keys == *model=gcn\ * ]]; then methods+=("ob|params.ob_momentum=0.5"); fi
  for m in "${methods[@]}"; do
    IFS='|' read -r method extra <<<"$m"
    read -ra e <<<"$extra"
    measure "$name" "$method" runs="$runs" "${k[@]}" "${e[@]}"
    # One run measuring staleness, which leaves training as it is (full-batch has no history).
    if [[ $method != full ]]; then measure "$name" "$method-staleness" runs=1 staleness=true "${k[@]}" "${e[@]}"; fi
  done
done
python3 scripts/report.py staleness "$out" scripts/reports
