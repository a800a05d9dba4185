#!/usr/bin/env bash
# Data-parallel runs on Cora through gas_launch, on the loopback interface:
#  1. one process through the distributed path equals the single-process run
#     bit for bit (every epoch's loss and metrics, the summary; GCN and PNA);
#  2. two and four processes train to a sane accuracy, each rank holding
#     part of the graph; shards written to disk train as shards cut at start;
#  3. a rank killed with SIGKILL, or stopped with SIGSTOP, makes the others
#     exit non-zero within dist_timeout, naming the rank that went missing;
#  4. two processes killed (SIGKILL) after a checkpoint, or stopped by
#     SIGTERM (every rank at the same step, exit 143), resume with the same
#     K to the uninterrupted run's loss curve and result;
#  5. an inductive dataset (a PPI-format fixture): every rank holds its
#     shard of each split's graph; one process equals the single-process
#     run bit for bit, two learn; a shard set of it is refused.
#   distributed.sh DEFAULT_DATA_DIR BIN_DIR WORKDIR     ($GAS_DATA_DIR wins when set)
set -uo pipefail
source "$(dirname "$0")/common.sh"
args=(dataset=cora "root=$data" runs=2 epochs=30 threads=1 log_every=0 params.cache_partition=false)

# 1. One process, with and without the distributed path.
"$bin/small_benchmark" "${args[@]}" params.inference=layerwise out_dir="$work/single" export=logits \
  > "$work/single.log" 2>&1 || fail "single process: $(tail -1 "$work/single.log")"
"$bin/gas_launch" -n 1 -- "$bin/small_benchmark" "${args[@]}" out_dir="$work/k1" export=logits > "$work/k1.log" 2>&1 ||
  fail "one process through gas_launch: $(tail -1 "$work/k1.log")"
same_curve "$work/single" "$work/k1" 60
cmp "$work/single/logits.npy" "$work/k1/logits.npy" || fail "one process through the distributed path exports other logits"

# 1b. The same for PNA, whose degree statistics come from the transformed
#     graph (loop=true adds self-loops) on both paths.
pargs=(model=pna dataset=synthetic "root=$work" epochs=3 runs=1 threads=1 log_every=0 loop=true params.data.num_nodes=2000)
"$bin/large_benchmark" "${pargs[@]}" params.inference=layerwise out_dir="$work/pna_single" > "$work/pna_single.log" 2>&1 ||
  fail "PNA, single process: $(tail -1 "$work/pna_single.log")"
"$bin/gas_launch" -n 1 -- "$bin/large_benchmark" "${pargs[@]}" out_dir="$work/pna_k1" > "$work/pna_k1.log" 2>&1 ||
  fail "PNA, one process through gas_launch: $(tail -1 "$work/pna_k1.log")"
same_curve "$work/pna_single" "$work/pna_k1" 3

# 2. Two and four processes.
for k in 2 4; do
  "$bin/gas_launch" -n $k -- "$bin/small_benchmark" "${args[@]}" json="$work/k$k.json" > "$work/k$k.log" 2>&1 ||
    fail "$k processes: $(tail -3 "$work/k$k.log")"
  python3 - "$work/k$k.json" "$k" <<'PY' || fail "$k processes: $(tail -3 "$work/k$k.log")"
import json, sys
j, k = json.load(open(sys.argv[1])), int(sys.argv[2])
d = j["distributed"]
print(f"{k} processes: test {j['mean']:.2f}, static MiB per rank {d['rank_static_data_mb']}, "
      f"halo all-to-all {d['received_mb']['all_to_all']:.2f} MiB")
ok = d["processes"] == k and len(d["rank_static_data_mb"]) == k and j["mean"] > 70 and d["received_mb"]["all_to_all"] > 0
sys.exit(0 if ok else 1)
PY
done

# 2b. Shards written once to disk, each rank reading its own: the same run,
#     bit for bit, as shards cut at start; a set for another K is refused.
"$bin/gas_data" partition dataset=cora "root=$data" ranks=2 parts=40 out="$work/shards" > "$work/shards.log" 2>&1 ||
  fail "gas_data partition out=: $(tail -3 "$work/shards.log")"
"$bin/gas_launch" -n 2 -- "$bin/small_benchmark" "${args[@]}" out_dir="$work/k2_cut" > "$work/k2_cut.log" 2>&1 ||
  fail "2 processes: $(tail -3 "$work/k2_cut.log")"
"$bin/gas_launch" -n 2 -- "$bin/small_benchmark" "${args[@]}" root=/nonexistent shards="$work/shards" \
  out_dir="$work/k2_read" 'export=[logits, predictions]' > "$work/k2_read.log" 2>&1 ||
  fail "2 processes reading shards: $(tail -3 "$work/k2_read.log")"
grep -q "^Reading the shards of cora" "$work/k2_read.log" || fail "the job did not read the shards"
same_curve "$work/k2_cut" "$work/k2_read" 60
# The exports, gathered on rank 0 in the original node order: every node once.
python3 - "$work/k2_read" <<'PY' || fail "the exports of two processes"
import ast, array, math, sys
def load(path):  # a little-endian 1-D or 2-D .npy, without numpy
    data = open(path, "rb").read()
    n = int.from_bytes(data[8:10], "little")
    header = ast.literal_eval(data[10:10 + n].decode())
    values = array.array({"<f4": "f", "<i8": "q"}[header["descr"]], data[10 + n:])
    return header["shape"], values
(rows, classes), logits = load(sys.argv[1] + "/logits.npy")
shape, pred = load(sys.argv[1] + "/predictions.npy")
argmax = [max(range(classes), key=lambda c: logits[i * classes + c]) for i in range(rows)]
print("exports of 2 processes:", (rows, classes), shape)
sys.exit(0 if (rows, classes) == (2708, 7) and list(pred) == argmax and all(map(math.isfinite, logits)) else 1)
PY
"$bin/gas_launch" -n 3 -- "$bin/small_benchmark" "${args[@]}" shards="$work/shards" > "$work/k3_read.log" 2>&1 &&
  fail "3 processes accepted a set of 2 shards"
grep -q "holds 2 shards, this job has 3 processes" "$work/k3_read.log" || fail "wrong K: $(tail -2 "$work/k3_read.log")"

# 3. A rank that dies or stops: the others leave within dist_timeout (5 s).
for sig in KILL STOP; do
  "$bin/gas_launch" -n 3 -- "$bin/small_benchmark" dataset=cora "root=$data" runs=1 epochs=100000 \
    threads=1 log_every=1 dist_timeout=5 params.cache_partition=false > "$work/$sig.log" 2>&1 &
  launcher=$!
  for _ in $(seq 300); do grep -q "epoch    2/" "$work/$sig.log" && break; sleep 0.1; done
  grep -q "epoch    2/" "$work/$sig.log" || { kill $launcher; fail "SIG$sig: the job did not start: $(tail -3 "$work/$sig.log")"; }
  victim="" others=()
  for p in $(pgrep -P $launcher); do
    if tr '\0' '\n' < /proc/$p/environ | grep -qx RANK=1; then victim=$p; else others+=($p); fi
  done
  [[ -n $victim && ${#others[@]} == 2 ]] || { kill $launcher; fail "SIG$sig: ranks not found"; }
  start=$SECONDS
  kill -$sig $victim
  # The survivors must leave on their own: nobody kills them here.
  while kill -0 "${others[@]}" 2> /dev/null && ((SECONDS - start < 60)); do sleep 0.2; done
  elapsed=$((SECONDS - start))
  [[ $sig == STOP ]] && kill -KILL $victim 2> /dev/null
  wait $launcher
  status=$?
  echo "SIG$sig of rank 1: ranks 0 and 2 gone after $elapsed s, gas_launch exited $status"
  grep "rank [02] of 3" "$work/$sig.log" | head -2
  ((status != 0)) || fail "SIG$sig: the job exited 0"
  ((elapsed <= 15)) || fail "SIG$sig: the other ranks took $elapsed s to leave (dist_timeout=5)"
  grep -q "rank 0 of 3: .*not responding: rank 1$" "$work/$sig.log" || fail "SIG$sig: rank 0 did not name rank 1"
  grep -q "rank 2 of 3: .*not responding: rank 1$" "$work/$sig.log" || fail "SIG$sig: rank 2 did not name rank 1"
done
# 4. Checkpoints of a job of two processes.
cargs=(dataset=cora "root=$data" runs=1 epochs=40 threads=1 log_every=0 params.cache_partition=false params.batch_size=2)
"$bin/gas_launch" -n 2 -- "$bin/small_benchmark" "${cargs[@]}" out_dir="$work/cref" > "$work/cref.log" 2>&1 ||
  fail "uninterrupted job: $(tail -3 "$work/cref.log")"
"$bin/gas_launch" -n 2 -- "$bin/small_benchmark" "${cargs[@]}" checkpoint_dir="$work/ckill" out_dir="$work/ckill_run" \
  > "$work/ckill.log" 2>&1 &
launcher=$!
for _ in $(seq 600); do [[ -f $work/ckill/checkpoint.rank1.gas.prev ]] && break; sleep 0.02; done
pkill -KILL -P $launcher; kill -KILL $launcher 2> /dev/null; wait $launcher 2> /dev/null
[[ -f $work/ckill/checkpoint.gas && -f $work/ckill/checkpoint.rank1.gas ]] || fail "no checkpoints before the kill"
"$bin/gas_launch" -n 2 -- "$bin/small_benchmark" "${cargs[@]}" checkpoint_dir="$work/ckill" resume="$work/ckill" \
  out_dir="$work/cres" > "$work/cres.log" 2>&1 || fail "resume after SIGKILL: $(tail -3 "$work/cres.log")"
grep "^Resuming from" "$work/cres.log" || fail "the resumed job did not say where it resumed"
same_curve "$work/cref" "$work/cres"
"$bin/gas_launch" -n 2 -- "$bin/small_benchmark" "${cargs[@]}" checkpoint_dir="$work/cterm" checkpoint_every=100 \
  out_dir="$work/cterm_run" > "$work/cterm.log" 2>&1 &
launcher=$!
for _ in $(seq 600); do
  (($(cat "$work"/cterm_run.partial.*/metrics.jsonl 2> /dev/null | wc -l) >= 3)) && break
  sleep 0.02
done
kill -TERM $launcher
wait $launcher
status=$?
((status == 143)) || fail "SIGTERM: the job exited $status, expected 143: $(tail -3 "$work/cterm.log")"
grep "^Stopped by a signal" "$work/cterm.log" || fail "SIGTERM: no stop reported"
"$bin/gas_launch" -n 2 -- "$bin/small_benchmark" "${cargs[@]}" checkpoint_dir="$work/cterm" resume="$work/cterm" \
  out_dir="$work/cterm_res" > "$work/cterm_res.log" 2>&1 || fail "resume after SIGTERM: $(tail -3 "$work/cterm_res.log")"
same_curve "$work/cref" "$work/cterm_res"

# 5. An inductive dataset: graphs of 100 nodes (3 to train on, 1 to validate,
#    1 to test), 3 labels per node that the features reveal.
python3 - "$work/PPI/raw" <<'PY' || fail "writing the PPI fixture"
import array, json, os, random, sys
out = sys.argv[1]
os.makedirs(out)
def npy(path, code, descr, values, shape):  # a little-endian .npy, without numpy
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (descr, "".join(f"{d}," for d in shape))
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode())
        f.write(array.array(code, values).tobytes())
rng = random.Random(3)
for split, graphs in (("train", 3), ("valid", 1), ("test", 1)):
    n = 100 * graphs
    labels = [rng.randrange(2) for _ in range(3 * n)]
    feats = [2 * l - 1 + 0.5 * rng.uniform(-1, 1) for l in labels]
    links = [{"source": v, "target": v // 100 * 100 + rng.randrange(100)} for v in range(n) for _ in range(3)]
    json.dump({"directed": False, "nodes": [{"id": v} for v in range(n)], "links": links},
              open(f"{out}/{split}_graph.json", "w"))
    npy(f"{out}/{split}_feats.npy", "f", "<f4", feats, (n, 3))
    npy(f"{out}/{split}_labels.npy", "f", "<f4", labels, (n, 3))
    npy(f"{out}/{split}_graph_id.npy", "q", "<i8", [v // 100 for v in range(n)], (n,))
PY
iargs=(model=gcn dataset=ppi "root=$work" epochs=15 runs=1 threads=1 log_every=0 params.num_parts=6 params.batch_size=2
  params.max_steps=0 params.architecture.hidden_channels=32 params.lr=0.01 params.cache_partition=false)
"$bin/large_benchmark" "${iargs[@]}" params.inference=layerwise out_dir="$work/ppi_single" > "$work/ppi_single.log" 2>&1 ||
  fail "inductive, single process: $(tail -3 "$work/ppi_single.log")"
"$bin/gas_launch" -n 1 -- "$bin/large_benchmark" "${iargs[@]}" out_dir="$work/ppi_k1" > "$work/ppi_k1.log" 2>&1 ||
  fail "inductive, one process through gas_launch: $(tail -3 "$work/ppi_k1.log")"
same_curve "$work/ppi_single" "$work/ppi_k1" 15
"$bin/gas_launch" -n 2 -- "$bin/large_benchmark" "${iargs[@]}" json="$work/ppi_k2.json" > "$work/ppi_k2.log" 2>&1 ||
  fail "inductive, 2 processes: $(tail -3 "$work/ppi_k2.log")"
for graph in train val test; do  # rank 0 logs
  grep -q "^Rank 0 ($graph): " "$work/ppi_k2.log" || fail "inductive, 2 processes: rank 0 holds no shard of $graph"
done
python3 - "$work/ppi_k2.json" <<'PY' || fail "inductive, 2 processes: $(tail -3 "$work/ppi_k2.log")"
import json, sys
j = json.load(open(sys.argv[1]))
print(f"inductive, 2 processes: test micro-F1 {j['mean']:.2f}")
sys.exit(0 if j["distributed"]["processes"] == 2 and j["mean"] > 80 else 1)
PY
"$bin/gas_data" partition dataset=ppi "root=$work" ranks=2 parts=6 out="$work/ppi_shards" > "$work/ppi_shards.log" 2>&1 &&
  fail "gas_data partition wrote a shard set of an inductive dataset"
grep -qi "dataset 'ppi' is inductive" "$work/ppi_shards.log" || fail "inductive shard set: $(tail -2 "$work/ppi_shards.log")"
echo "PASS"
