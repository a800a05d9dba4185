#!/usr/bin/env bash
# Damages every real raw file under the data directory in several ways, one
# file at a time in a scratch copy of its dataset, and loads the dataset with
# gas_data. A cut file (empty, 10 bytes, half, all but the last byte) must
# fail with one line on stderr and a non-zero exit; bytes overwritten in the
# header or the middle may still load (garbage that parses) but must never
# end in a signal or a multi-line error.
#   corrupt_raw_files.sh DEFAULT_DATA_DIR BIN WORKDIR     ($GAS_DATA_DIR wins when set)
set -uo pipefail
data=${GAS_DATA_DIR:-$1} bin=$2 work=$3

# dataset  directory under the data root  files
datasets=(
  "cora Planetoid/Cora/raw"
  "citeseer Planetoid/CiteSeer/raw"
  "gnn-benchmark-cora GNNBenchmark/raw cora.npz"
  "gnn-benchmark-citeseer GNNBenchmark/raw citeseer.npz"
)

failures=0 checks=0
check() {  # label must_fail
  local err rc lines
  err=$(timeout 120 "$bin" info "dataset=$ds" "root=$work/root" 2>&1 > /dev/null)
  rc=$?
  lines=$(printf '%s' "$err" | grep -c '')
  checks=$((checks + 1))
  if ((rc > 128 || rc == 124)); then
    echo "FAIL $1: died (exit $rc): $err"
  elif (($2 && rc == 0)); then
    echo "FAIL $1: loaded without an error"
  elif ((rc != 0 && lines != 1)); then
    echo "FAIL $1: error of $lines lines: $err"
  else
    return 0
  fi
  failures=$((failures + 1))
}

for entry in "${datasets[@]}"; do
  read -r ds dir files <<< "$entry"
  src=$data/$dir
  if [[ ! -d $src ]]; then
    if [[ ${CI:-} == true ]]; then
      echo "FAIL: required data missing in CI: $src"
      exit 1
    fi
    echo "$src not present"
    continue
  fi
  [[ -n ${files:-} ]] || files=$(cd "$src" && ls)
  for name in $files; do
    size=$(stat -c %s "$src/$name")
    for mode in empty ten half minus1 garbage_head garbage_mid; do
      # A text file without its final newline is still a valid file.
      [[ $mode == minus1 && $name == *.index ]] && continue
      rm -rf "$work/root"
      mkdir -p "$work/root/$dir"
      cp "$src"/* "$work/root/$dir/"
      target=$work/root/$dir/$name
      case $mode in
        empty) : > "$target" ;;
        ten) head -c 10 "$src/$name" > "$target" ;;
        half) head -c $((size / 2)) "$src/$name" > "$target" ;;
        minus1) head -c $((size - 1)) "$src/$name" > "$target" ;;
        garbage_head) printf '\x80\x02}q\x00(X\xff\xff\xff\x7f' | dd of="$target" bs=1 seek=2 conv=notrunc status=none ;;
        garbage_mid) printf '\xff\xfe\x00\x80\x07\x07\x07\x07\x01\x02' |
          dd of="$target" bs=1 seek=$((size / 2)) conv=notrunc status=none ;;
      esac
      must_fail=1
      [[ $mode == garbage_* ]] && must_fail=0
      check "$ds: $name ($mode)" $must_fail
    done
  done
  unset files
done
rm -rf "$work/root"
((checks > 0)) || { echo "SKIP: no raw files under $data"; exit 0; }
echo "$checks damaged copies loaded, $failures failures"
((failures == 0))
