#!/usr/bin/env bash
# Trains GCN on a generated graph whose features plus histories exceed this
# machine's memory (memory-mapped features and histories, range partition),
# next to the same model on a graph of the same kind that fits in memory,
# and reports epoch times per node, peak memory and disk traffic.
#
#   scripts/beyond_ram.sh [build] [scratch]      (defaults: build, ../scratch)
#
# NODES (13000000), FEATURES (512), HIDDEN (128), LAYERS (3), SMALL_NODES
# (1000000) and EPOCHS (2) size the runs; REPORT_ONLY=1 rewrites the table. The big graph is generated once
# into SCRATCH/line-<NODES> (about NODES x (4 FEATURES + 180) bytes) and
# kept; the histories go to SCRATCH/histories. Not a CI step: it reads and
# writes tens of gigabytes and takes a quarter of an hour on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
scratch=${2:-../scratch}
nodes=${NODES:-13000000}
features=${FEATURES:-512}
hidden=${HIDDEN:-128}
layers=${LAYERS:-3}
small=${SMALL_NODES:-1000000}
epochs=${EPOCHS:-2}
out=$build/perf/beyond_ram
mkdir -p "$out" "$scratch"
ram=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) * 1024 ))

generate() {  # generate NODES DIR
  [[ -d $2 ]] && return
  "$build/bin/gas_data" generate out="$2" num_nodes="$1" num_features="$features" num_classes=10 avg_degree=10 \
    feature_noise=12 region_size=2000 seed=1
}

# Evicts a directory's files from the page cache (posix_fadvise DONTNEED; no
# privileges needed), so that a run reads from disk what it reads.
evict() {
  python3 - "$@" <<'EOF'
import os, sys
for root in sys.argv[1:]:
    for dirpath, _, files in os.walk(root):
        for f in files:
            fd = os.open(os.path.join(dirpath, f), os.O_RDONLY)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            os.close(fd)
EOF
}

# run LABEL ROOT KEY=VALUE...: trains, sampling the process's memory and I/O
# every second; writes $out/LABEL.{log,json,mem}.
run() {
  local label=$1 root=$2
  shift 2
  rm -rf "$out/$label.run"
  "$build/bin/large_benchmark" model=gcn dataset=custom root="$root" json="$out/$label.json" out_dir="$out/$label.run" \
    params.epochs="$epochs" params.architecture.hidden_channels="$hidden" params.architecture.num_layers="$layers" \
    params.partition=range params.part_size=20000 params.batch_size=10 params.cache_partition=false \
    params.grad_norm=null "$@" >"$out/$label.log" 2>&1 &
  local pid=$! anon=0 file=0 hwm=0 rd=0 wr=0
  while kill -0 "$pid" 2>/dev/null; do
    if s=$(cat "/proc/$pid/status" "/proc/$pid/io" 2>/dev/null); then
      read -r a f h r w < <(awk '/^RssAnon/ {a=$2} /^RssFile/ {f=$2} /^VmHWM/ {h=$2}
                                /^read_bytes/ {r=$2} /^write_bytes/ {w=$2} END {print a, f, h, r, w}' <<<"$s")
      ((a > anon)) && anon=$a
      ((f > file)) && file=$f
      ((h > hwm)) && hwm=$h
      rd=${r:-$rd} wr=${w:-$wr}
    fi
    sleep 1
  done
  wait "$pid" || { echo "beyond_ram: $label failed:"; tail -5 "$out/$label.log"; exit 1; }
  echo "$anon $file $hwm $rd $wr" >"$out/$label.mem"
}

big=$scratch/line-$nodes
if [[ ${REPORT_ONLY:-0} != 1 ]]; then  # REPORT_ONLY=1: the table from the last runs' files
  generate "$small" "$scratch/line-$small"
  generate "$nodes" "$big"
  rm -rf "$scratch/histories"
  evict "$big"
  run big "$big" params.data.mmap=true params.history=mmap params.history_dir="$scratch/histories"
  run small "$scratch/line-$small" params.data.mmap=false params.history=host
fi

python3 - "$out" "$nodes" "$small" "$features" "$hidden" "$layers" "$ram" <<'EOF'
import json, sys
out, nodes, small, features, hidden, layers, ram = sys.argv[1], *map(int, sys.argv[2:])
gib = 1 << 30
def load(label):
    summary = json.load(open(f"{out}/{label}.json"))
    epochs = [json.loads(l) for l in open(f"{out}/{label}.run/metrics.jsonl")]
    anon, file, hwm, rd, wr = map(int, open(f"{out}/{label}.mem").read().split())
    return summary, epochs, anon * 1024, file * 1024, hwm * 1024, rd, wr
data_bytes = nodes * features * 4 + nodes * hidden * 4 * (layers - 1)
lines = [f"# Beyond RAM: GCN ({layers} layers, {hidden} hidden) on the line graph, {features} features", "",
         f"Machine memory {ram / gib:.1f} GiB; the big graph's features plus histories: {data_bytes / gib:.1f} GiB "
         f"({data_bytes / ram:.2f}x memory).", "",
         "| graph | nodes | load + partition s | train s / epoch | us / node | eval s / epoch | test acc | peak RSS GiB (% RAM) | anon / file-mapped peak GiB | disk read / written GiB |",
         "|---|---|---|---|---|---|---|---|---|---|"]
per_node = {}
for label, n in (("big", nodes), ("small", small)):
    s, epochs, anon, file, hwm, rd, wr = load(label)
    train = sum(e["train_s"] for e in epochs) / len(epochs)
    evals = sum(e["eval_s"] for e in epochs) / len(epochs)
    per_node[label] = train / n * 1e6
    lines.append(f"| {label} | {n:,} | {s['load_s'] + s['partition_s']:.0f} | {train:.1f} | {per_node[label]:.2f} | "
                 f"{evals:.1f} | {s['runs'][0]['test']:.1f} | {hwm / gib:.2f} ({100 * hwm / ram:.0f}%) | "
                 f"{anon / gib:.2f} / {file / gib:.2f} | {rd / gib:.1f} / {wr / gib:.1f} |")
lines += ["", f"Training time per node, big / small: {per_node['big'] / per_node['small']:.2f}x."]
open(f"{out}/report.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
EOF
