#!/usr/bin/env bash
# The GPU check, one command on a Linux machine with an NVIDIA GPU, nvcc and
# a CUDA LibTorch: builds gas with its CUDA kernels, runs the GPU tests,
# compute-sanitizer's memcheck on a tiny training run (when the tool is
# there), the transfer benchmarks and the end-to-end runs, and prints one
# table (also written to $OUT/gpu_check.md, or build-gpu/gpu_check.md).
#
#   scripts/gpu_check.sh [--torch CMAKE_PREFIX] [--deps PREFIX] [--quick]
#
# --torch: LibTorch's CMake prefix (default: python3 -c 'import torch;
#   print(torch.utils.cmake_prefix_path)').
# --deps: a prefix holding the other dependencies (METIS, yaml-cpp, Boost
#   program_options, nlohmann-json, GoogleTest, libzip), e.g. Debian packages
#   unpacked with dpkg -x; scripts/fetch_gpu_deps.sh downloads them to
#   gpu_deps/, which this script unpacks itself when present.
# --quick: the build, the tests and the memcheck only.
# Budget: about 8 minutes on 16 cores with one H100/H200, build included.
set -euo pipefail
cd "$(dirname "$0")/.."
torch_prefix="" deps="" quick=0
while (($#)); do
  case $1 in
    --torch) torch_prefix=$2; shift 2 ;;
    --deps) deps=$2; shift 2 ;;
    --quick) quick=1; shift ;;
    *) echo "gpu_check: unknown argument '$1' (expected --torch PREFIX, --deps PREFIX or --quick)"; exit 2 ;;
  esac
done
build=build-gpu
out=${OUT:-$build}
mkdir -p "$build" "$out"
report="$out/gpu_check.md"
start=$SECONDS
log() { echo "[gpu_check $((SECONDS - start))s] $*"; }
rows=()  # the summary table, "| check | result |"
row() { rows+=("| $1 | $2 |"); }

command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader |
  sed 's/^/gpu: /'
if [[ -z $torch_prefix ]]; then
  torch_prefix=$(python3 -W ignore -c 'import torch; print(torch.utils.cmake_prefix_path)') ||
    { echo "gpu_check: no torch in python3; pass --torch PREFIX"; exit 2; }
fi
if [[ -z $deps && -d gpu_deps ]] && compgen -G "gpu_deps/*.deb" > /dev/null; then
  deps=$PWD/$build/deps
  log "unpacking gpu_deps/*.deb into $deps"
  for d in gpu_deps/*.deb; do dpkg -x "$d" "$deps"; done
fi
prefix_path="$torch_prefix"
if [[ -n $deps ]]; then
  prefix_path="$torch_prefix;$deps/usr"
  export LD_LIBRARY_PATH="$deps/usr/lib/x86_64-linux-gnu:$deps/usr/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export CPATH="$deps/usr/include${CPATH:+:$CPATH}"
fi

# ------------------------------------------------------------------ build
log "configure and build (LibTorch at $torch_prefix)"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGAS_WITH_CUDA=ON -DCMAKE_PREFIX_PATH="$prefix_path" \
  > "$build/configure.log" 2>&1 || { tail -30 "$build/configure.log"; exit 1; }
cmake --build "$build" --target gas_tests small_benchmark large_benchmark gas_gpu_benchmarks > "$build/build.log" 2>&1 ||
  { grep -E "error|FAILED" "$build/build.log" | head -30; exit 1; }
row "build" "$(grep -o 'LibTorch [0-9.]* (CUDA ON), C++[0-9]*, CUDA kernels ON' "$build/configure.log" | head -1), $((SECONDS - start)) s"
bin=$build/bin

# ------------------------------------------------------------------ tests
log "GPU tests"
if "$bin/gas_tests" --gtest_filter='Cuda*:HistoryTransport*:Kernels*' > "$build/gpu_tests.log" 2>&1; then
  row "GPU tests" "$(grep -E '^\[  PASSED  \]' "$build/gpu_tests.log"), $(grep -c '^\[  SKIPPED \]' "$build/gpu_tests.log" || true) skipped"
else
  grep -E "Failure|FAILED|error" "$build/gpu_tests.log" | head -20
  row "GPU tests" "FAILED: $(grep -E '^\[  FAILED  \].*tests?, listed' "$build/gpu_tests.log" || echo see gpu_tests.log)"
fi
tiny=(dataset=synthetic params.data.num_nodes=3000 epochs=2 log_every=0 device=cuda params.num_parts=6 params.batch_size=2)
if command -v compute-sanitizer > /dev/null; then
  log "compute-sanitizer memcheck on a tiny run"
  for io in uva staged; do
    if compute-sanitizer --tool memcheck --error-exitcode 9 "$bin/small_benchmark" "${tiny[@]}" params.history_io=$io \
      > "$build/memcheck_$io.log" 2>&1; then
      row "memcheck, history_io=$io" "$(grep -E 'ERROR SUMMARY' "$build/memcheck_$io.log" | tail -1)"
    else
      row "memcheck, history_io=$io" "FAILED: $(grep -E 'ERROR SUMMARY|Error|error' "$build/memcheck_$io.log" | head -2 | tr '\n' ' ')"
    fi
  done
else
  row "memcheck" "compute-sanitizer not found"
fi

if ((quick == 0)); then
  # ------------------------------------------------------------ transfers
  log "transfer benchmarks"
  "$bin/gas_gpu_benchmarks" 100000 256 2000000 20 > "$build/transfers.md" 2>&1 || true
  cat "$build/transfers.md"

  # ------------------------------------------------------------ end to end
  summary() { python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print(s.get(sys.argv[2], 'n/a'))" "$@"; }
  e2e() {  # NAME ARGS...: GCN on synthetic-1m, 4 epochs, its summary in $build/e2e_NAME.json
    local name=$1; shift
    "$bin/large_benchmark" model=gcn dataset=synthetic-1m epochs=4 log_every=0 root="$build/data" \
      json="$build/e2e_$name.json" "$@" > "$build/e2e_$name.log" 2>&1 || { tail -5 "$build/e2e_$name.log"; return 0; }
  }
  log "GCN on synthetic-1m: pinned host histories vs device histories"
  e2e device_histories device=cuda params.history=device
  e2e host_uva device=cuda params.history_io=uva
  e2e host_staged device=cuda params.history_io=staged params.pool_size=4
  e2e cpu device=cpu
  ref=$(summary "$build/e2e_device_histories.json" median_epoch_s)
  for name in device_histories host_uva host_staged cpu; do
    f=$build/e2e_$name.json
    [[ -f $f ]] || { row "epoch, $name" "failed (see $build/e2e_$name.log)"; continue; }
    row "GCN synthetic-1m epoch, $name" "$(python3 -c "import sys; e,r=float(sys.argv[1]),float(sys.argv[2]); print(f'{e:.3f} s, {e/r:.2f}x device histories')" \
      "$(summary "$f" median_epoch_s)" "$ref"), test acc $(summary "$f" mean), device peak $(summary "$f" device_peak_mb) MiB"
  done

  # The side streams' copies timed on the device with events (profile=true).
  e2e host_uva_profile device=cuda params.history_io=uva profile=true log_every=1
  row "uva copies of the last epoch, device time" \
    "$(grep -o '\[device h2d[^]]*\]' "$build/e2e_host_uva_profile.log" | tail -1 || echo 'not printed')"

  log "GPU memory from 1M to 8M nodes (random parts of 5000 nodes) vs full-batch"
  for n in 1000000 2000000 4000000 8000000; do
    for mode in gas full; do
      args=(params.num_parts=auto params.part_size=5000 params.partition=random params.batch_size=10)
      [[ $mode == full ]] && args=(params.num_parts=1 params.batch_size=1)
      "$bin/large_benchmark" model=gcn dataset=synthetic-1m params.data.num_nodes=$n epochs=1 log_every=0 \
        device=cuda params.fill_history=false params.history_io=uva params.cache_partition=false \
        json="$build/mem_${mode}_$n.json" "${args[@]}" > "$build/mem_${mode}_$n.log" 2>&1 || true
    done
    row "GPU peak, $n nodes" "GAS $(summary "$build/mem_gas_$n.json" device_peak_mb 2>/dev/null || echo failed) MiB, full-batch $(summary "$build/mem_full_$n.json" device_peak_mb 2>/dev/null || echo 'failed (OOM?)') MiB"
  done

  data=${GAS_DATA_DIR:-../shared/data}
  for d in cora citeseer; do
    if [[ -d $data/Planetoid ]]; then
      for dev in cuda cpu; do
        "$bin/small_benchmark" model=gcn dataset=$d root="$data" runs=5 log_every=0 device=$dev \
          params.cache_partition=false json="$build/acc_${d}_$dev.json" > "$build/acc_${d}_$dev.log" 2>&1 || true
      done
      row "GCN $d accuracy, 5 runs" "cuda $(summary "$build/acc_${d}_cuda.json" mean 2>/dev/null || echo failed) ± $(summary "$build/acc_${d}_cuda.json" std 2>/dev/null || echo -), cpu $(summary "$build/acc_${d}_cpu.json" mean 2>/dev/null || echo failed) ± $(summary "$build/acc_${d}_cpu.json" std 2>/dev/null || echo -)"
    else
      row "GCN $d accuracy" "skipped: no $data/Planetoid"
    fi
  done
fi

{
  echo "## gas GPU check ($(date -u '+%Y-%m-%d %H:%M UTC'), $((SECONDS - start)) s)"
  echo
  command -v nvidia-smi > /dev/null && echo "GPU: $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | head -1)" && echo
  echo "| check | result |"
  echo "|---|---|"
  printf '%s\n' "${rows[@]}"
  if [[ -f $build/transfers.md ]]; then echo; cat "$build/transfers.md"; fi
} > "$report"
echo
cat "$report"
