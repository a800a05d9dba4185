# Sourced by the command-line tests that train on Cora:
#   source common.sh DEFAULT_DATA_DIR BIN_DIR WORKDIR   ($GAS_DATA_DIR wins when set)
# sets data, bin and work (emptied), skips when Cora is absent (fails under
# CI=true), and defines fail and same_curve.
data=${GAS_DATA_DIR:-$1} bin=$2 work=$3
if [[ ! -f $data/Planetoid/Cora/raw/ind.cora.x ]]; then
  [[ ${CI:-} == true ]] && { echo "FAIL: Cora is missing under $data (CI=true)"; exit 1; }
  echo "SKIP: Cora is missing under $data"; exit 0
fi
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }

# same_curve DIR_A DIR_B [EPOCHS]: two run directories hold the same loss and
# metrics at every epoch (and EPOCHS lines), and the same per-run results.
same_curve() {
  python3 - "$1" "$2" "${3:-0}" <<'PY' || fail "the runs differ: $1 vs $2"
import json, sys
keys = ("run", "epoch", "loss", "train", "val", "test")
a, b = ([{k: json.loads(l)[k] for k in keys} for l in open(d + "/metrics.jsonl")] for d in sys.argv[1:3])
runs = [[(r["test"], r["best_epoch"]) for r in json.load(open(d + "/summary.json"))["runs"]] for d in sys.argv[1:3]]
print(f"{sys.argv[1]} vs {sys.argv[2]}: epochs {len(a)} and {len(b)}, runs (test, best epoch) {runs[0]} and {runs[1]}")
expected = int(sys.argv[3])
sys.exit(0 if a == b and runs[0] == runs[1] and (expected == 0 or len(a) == expected) else 1)
PY
}
