#!/usr/bin/env bash
# The unit tests under AddressSanitizer + UndefinedBehaviorSanitizer, and the
# threaded ones (loader workers, asynchronous history transports and their
# fake-stream schedule, interrupted training, the distributed tests' ranks)
# under ThreadSanitizer, each in a build directory of its own. LibTorch runs
# as shipped (not instrumented).
#   scripts/sanitize.sh [asan|tsan|all]     (default all; CI runs all)
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
configure() {  # DIR SANITIZERS
  cmake -S . -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGAS_SANITIZE="$2" -DGAS_BUILD_BENCHMARKS=OFF > "$1.configure.log"
  cmake --build "$1" --target gas_tests
}
if [[ $what == asan || $what == all ]]; then
  start=$SECONDS
  configure build-asan address,undefined
  # Leaks: LibTorch's registries live until exit. Container overflow: gas's
  # vectors cross into LibTorch, which was built without the annotations.
  # The RSS test is skipped: ASan's shadow memory is most of the RSS.
  ASAN_OPTIONS=detect_leaks=0:detect_container_overflow=0:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
    build-asan/bin/gas_tests --gtest_brief=1 --gtest_filter=-Experiment.PeakRssRestartsFromTheCurrentRss
  echo "sanitize: address,undefined build and unit tests: $((SECONDS - start)) s"
fi
if [[ $what == tsan || $what == all ]]; then
  start=$SECONDS
  configure build-tsan thread
  # One OpenMP thread: libgomp's barriers are invisible to TSan, so every
  # parallel_for would be reported; gas's own threads stay checked.
  OMP_NUM_THREADS=1 TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/tests/tsan.supp" \
    build-tsan/bin/gas_tests --gtest_brief=1 \
    --gtest_filter='Loader.*:HistoryTransport.*:HistoryStore.*:HistoryBackend.*:MmapHistory.*:MappedFile.*:Trainer.*:TrainEpoch.*'
  # The distributed tests' ranks (threads of this process over Gloo), with
  # tsan_gloo.supp's allowance for LibTorch's invisible synchronisation.
  cat tests/tsan.supp tests/tsan_gloo.supp > build-tsan/tsan_distributed.supp
  OMP_NUM_THREADS=1 TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/build-tsan/tsan_distributed.supp" \
    build-tsan/bin/gas_tests --gtest_brief=1 \
    --gtest_filter='Communicator.*:LaunchInfo.*:GradientAllReduce.*:DataParallelHook.*:AverageBuffers.*:HaloExchange.*:DistributedInference.*'
  echo "sanitize: thread build and threaded tests: $((SECONDS - start)) s"
fi
