#!/usr/bin/env bash
# Checkpoint and resume on Cora, deterministically (one thread):
#  1. an uninterrupted run, its final checkpoint the reference;
#  2. the same run killed with SIGKILL somewhere after its first checkpoint,
#     then resumed: same per-run test metric and best epoch, and the same
#     bits in the model's parameters and histories (the optimiser's record is
#     LibTorch's archive, whose keys are parameter addresses; a wrong Adam
#     state would show in the parameters after the remaining epochs);
#  3. the same run stopped by SIGTERM: exit 143, a summary marked
#     interrupted, a checkpoint at a batch boundary; resumed: the same again;
#  4. a damaged checkpoint and one of another model are refused in one line.
#   resume_after_kill.sh DEFAULT_DATA_DIR BIN_DIR WORKDIR     ($GAS_DATA_DIR wins when set)
set -uo pipefail
source "$(dirname "$0")/common.sh"
# 20 batches an epoch, so that a signal lands inside an epoch.
args=(dataset=cora "root=$data" runs=1 epochs=150 threads=1 log_every=0 params.cache_partition=false params.batch_size=2)
# The records that must be bitwise equal between two final checkpoints.
state() { "$bin/gas_data" checkpoint "$1" | grep -E '^(model/|history/)'; }
same_result() {  # A.json B.json
  python3 - "$1" "$2" <<'PY' || fail "results differ: $1 vs $2"
import json, sys
a, b = (json.load(open(f))["runs"] for f in sys.argv[1:3])
key = lambda runs: [(r["test"], r["best_epoch"]) for r in runs]
print("runs (test, best epoch):", key(a), "vs", key(b))
sys.exit(0 if key(a) == key(b) else 1)
PY
}

"$bin/small_benchmark" "${args[@]}" checkpoint_dir="$work/ref" json="$work/ref.json" > "$work/ref.log" 2>&1 ||
  fail "reference run: $(tail -1 "$work/ref.log")"

# 2. SIGKILL after the first checkpoint.
"$bin/small_benchmark" "${args[@]}" checkpoint_dir="$work/kill" checkpoint_every=1 > "$work/kill.log" 2>&1 &
pid=$!
for _ in $(seq 500); do [[ -f $work/kill/checkpoint.gas ]] && break; sleep 0.01; done
sleep 0.2
kill -9 $pid 2> /dev/null || fail "the run ended before the kill (raise epochs)"
wait $pid 2> /dev/null
[[ -f $work/kill/checkpoint.gas ]] || fail "no checkpoint before the kill"
"$bin/small_benchmark" "${args[@]}" checkpoint_dir="$work/kill" resume="$work/kill" json="$work/kill.json" \
  > "$work/resume.log" 2>&1 || fail "resume after SIGKILL: $(tail -1 "$work/resume.log")"
grep "^Resuming from" "$work/resume.log" || fail "the resumed run did not say where it resumed"
same_result "$work/ref.json" "$work/kill.json"
diff <(state "$work/ref/checkpoint.gas") <(state "$work/kill/checkpoint.gas") ||
  fail "state after resume differs from the uninterrupted run's"

# 3. SIGTERM: finishes the batch, checkpoints, exits 143.
"$bin/small_benchmark" "${args[@]}" checkpoint_dir="$work/term" checkpoint_every=50 json="$work/term_stopped.json" \
  > "$work/term.log" 2>&1 &
pid=$!
for _ in $(seq 500); do [[ -f $work/term/checkpoint.gas ]] && break; sleep 0.01; done
sleep 0.1
kill -TERM $pid 2> /dev/null || fail "the run ended before SIGTERM (raise epochs)"
wait $pid
rc=$?
((rc == 143)) || fail "SIGTERM: exit $rc, expected 143: $(tail -2 "$work/term.log")"
python3 -c "import json,sys; sys.exit(0 if json.load(open('$work/term_stopped.json'))['interrupted'] else 1)" ||
  fail "the summary of the stopped run is not marked interrupted"
grep "^Stopped by a signal" "$work/term.log" || fail "no line saying where the run stopped"
"$bin/small_benchmark" "${args[@]}" checkpoint_dir="$work/term" resume="$work/term" json="$work/term.json" \
  > "$work/term_resume.log" 2>&1 || fail "resume after SIGTERM: $(tail -1 "$work/term_resume.log")"
same_result "$work/ref.json" "$work/term.json"
diff <(state "$work/ref/checkpoint.gas") <(state "$work/term/checkpoint.gas") ||
  fail "state after a SIGTERM resume differs from the uninterrupted run's"

# 4. Refusals, one line each.
refused() {  # EXPECT ARGS...
  local expect=$1 err rc
  shift
  err=$("$bin/small_benchmark" "$@" 2>&1 > /dev/null)
  rc=$?
  ((rc != 0 && rc < 128)) || fail "expected a refusal ($expect), exit $rc"
  [[ $(printf '%s\n' "$err" | grep -c .) == 1 && $err == *"$expect"* ]] || fail "expected one line with '$expect', got: $err"
  echo "refused: $err"
}
refused "written for another run (model:" "${args[@]/dataset=cora/dataset=cora}" model=gat resume="$work/ref"
mkdir -p "$work/cut"
head -c 100000 "$work/ref/checkpoint.gas" > "$work/cut/checkpoint.gas"
refused "truncated or damaged" "${args[@]}" resume="$work/cut"
mkdir -p "$work/flip" && cp "$work/ref/checkpoint.gas" "$work/flip/checkpoint.gas"
printf '\xff\xfe' | dd of="$work/flip/checkpoint.gas" bs=1 seek=5000 conv=notrunc status=none
refused "is damaged (checksum mismatch)" "${args[@]}" resume="$work/flip"
echo "PASS"
