// History transfer bandwidth on a GPU, as ratios to the same run's plain
// copies: a pull of ROWS halo rows x WIDTH floats from pinned host
// histories (staged and uva side by side) against one cudaMemcpy of as many
// contiguous pinned bytes, and a push of ROWS in-batch rows (one METIS range
// per PART rows) against the D2H copy. Prints a Markdown table; built with
// the CUDA kernels only, run by scripts/gpu_check.sh.
//
//   gas_gpu_benchmarks [ROWS [WIDTH [NODES [REPS]]]]   (100000 256 2000000 20)

#include <gas/history/store.h>
#include <gas/history/transport.h>
#include <gas/loader.h>

#include <ATen/ATen.h>
#include <ATen/cuda/CUDAContext.h>
#include <ATen/cuda/CUDAEvent.h>
#include <torch/cuda.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace {

const c10::Device kCuda(c10::kCUDA, 0);

// Median seconds of `reps` runs of `step`, each ended by a device sync.
double median_seconds(int64_t reps, const std::function<void()>& step) {
  step();  // warm-up: buffers, streams, first-touch
  torch::cuda::synchronize();
  std::vector<double> times;
  for (int64_t r = 0; r < reps; ++r) {
    const auto start = std::chrono::steady_clock::now();
    step();
    torch::cuda::synchronize();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

int64_t arg(int argc, char** argv, int i, int64_t fallback) { return argc > i ? std::atoll(argv[i]) : fallback; }

}  // namespace

int main(int argc, char** argv) {
  if (!torch::cuda::is_available()) {
    std::fprintf(stderr, "gas_gpu_benchmarks: no CUDA device\n");
    return 2;
  }
  const int64_t rows = arg(argc, argv, 1, 100000), width = arg(argc, argv, 2, 256);
  const int64_t nodes = arg(argc, argv, 3, 2000000), reps = arg(argc, argv, 4, 20), part = 5000;
  if (rows <= 0 || width <= 0 || reps <= 0 || nodes < 2 * rows) {
    std::fprintf(stderr, "gas_gpu_benchmarks: need ROWS, WIDTH, REPS > 0 and NODES >= 2 ROWS\n");
    return 2;
  }
  const double gigabytes = static_cast<double>(rows * width) * sizeof(float) / 1e9;

  // Plain copies of the same bytes, contiguous and pinned.
  at::Tensor host = at::empty({rows, width}, at::TensorOptions().dtype(at::kFloat).pinned_memory(true));
  at::Tensor device = at::empty({rows, width}, at::TensorOptions(kCuda).dtype(at::kFloat));
  const double h2d = median_seconds(reps, [&] { device.copy_(host, true); });
  const double d2h = median_seconds(reps, [&] { host.copy_(device, true); });

  // A batch of `rows` in-batch nodes [0, rows), METIS ranges of `part`, and
  // a sorted sample of `rows` halo nodes from the rest.
  gas::Batch pull_batch;
  const at::Tensor halo =
      std::get<0>(at::sort(at::randperm(nodes - rows, at::kLong).narrow(0, 0, rows) + rows));
  pull_batch.n_id = at::cat({at::arange(rows, at::kLong), halo});
  pull_batch.batch_size = rows;
  const int64_t ranges = (rows + part - 1) / part;
  pull_batch.offset = at::arange(ranges, at::kLong) * part;
  pull_batch.count = at::full({ranges}, part, at::kLong);
  pull_batch.count[ranges - 1] = rows - (ranges - 1) * part;
  gas::Batch push_batch = pull_batch;  // no halo: the push alone
  push_batch.n_id = at::arange(rows, at::kLong);
  const at::Tensor fresh = at::randn({rows, width}, at::TensorOptions(kCuda));

  std::printf("| transfer (%lld rows x %lld floats, %.3f GB) | GB/s | of the plain copy |\n", static_cast<long long>(rows),
              static_cast<long long>(width), gigabytes);
  std::printf("|---|---|---|\n");
  std::printf("| cudaMemcpy H2D, pinned | %.1f | 1.00 |\n", gigabytes / h2d);
  std::printf("| cudaMemcpy D2H, pinned | %.1f | 1.00 |\n", gigabytes / d2h);
  for (const std::string name : {"staged", "uva"}) {
    gas::HistoryStore store(nodes, {width}, gas::host_history_backend(), kCuda);
    store.set_transport(gas::make_history_transport(name, 4));
    const double pull = median_seconds(reps, [&] {
      store.begin_batch(pull_batch);
      (void)store.pull(0, pull_batch);
      store.end_batch();
    });
    const double push = median_seconds(reps, [&] {
      store.begin_batch(push_batch);
      store.push(0, fresh, push_batch);
      store.end_batch();
      store.synchronize();
    });
    std::printf("| pull, %s | %.1f | %.2f |\n", name.c_str(), gigabytes / pull, h2d / pull);
    std::printf("| push, %s | %.1f | %.2f |\n", name.c_str(), gigabytes / push, d2h / push);
  }
  return 0;
}
