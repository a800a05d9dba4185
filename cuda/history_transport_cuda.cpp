// The CUDA transports of a training batch's history rows (history_io=staged
// and uva): histories in pinned host memory (cuda/host_memory_cuda.cpp),
// rows moved on two side streams while the compute stream runs.
//
// The schedule, every dependency an event (no device-wide or host sync in
// a batch; the host waits only for its own gathering threads):
//   begin_batch(b): the pull buffers are double: batch b fills set b % 2,
//     last read by batch b-2. The h2d stream waits for `boundary` as it was
//     recorded on the compute stream when batch b-1 began (everything batch
//     b-2 enqueued), so batch b's pulls overlap batch b-1's compute, and,
//     per layer l, for push_done[l] (batch b-1's rows of layer l have
//     landed). `boundary` is then recorded again for batch b+1. Then
//     layer l's halo is gathered: uva, by a kernel on the h2d stream reading
//     the pinned history in place; staged, by a CPU thread into a pinned
//     staging buffer (after waiting for push_done[l] and for the buffer's
//     previous copy), then one H2D copy on the h2d stream. pulled[l] is
//     recorded after it.
//   pull(l): the compute stream waits for pulled[l]; no host wait for uva.
//   push(l, rows): the d2h stream waits for `rows` (an event on the compute
//     stream), copies each contiguous METIS range D2H (a scatter kernel
//     writing in place when the batch has no ranges), records push_done[l];
//     rows are kept alive for the allocator by record_stream.
//   synchronize(): the host waits for every event: the store calls it before
//     it reads or writes storage outside a batch.
// Under profiling each copy (uva: each gather kernel) is bracketed by a pair
// of timing events on its stream; their times are read after synchronize().

#include <gas/history/store.h>
#include <gas/history/transport.h>
#include <gas/loader.h>
#include <gas/ops/gather.h>

#include "history/host_memory.h"
#include "util/thread_pool.h"
#include "util/threads.h"
#include "uva.h"

#include <ATen/ATen.h>
#include <ATen/cuda/CUDAContext.h>
#include <ATen/cuda/CUDAEvent.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include <future>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace gas {
namespace cuda {
namespace {

enum class Mode { Staged, Uva };

// Storage of a host history: its tensor (pinned, contiguous, float32) read
// and written in place by the kernels and copies. The store's host backend
// allocates TensorHistoryStorage; anything else cannot move over the bus.
at::Tensor pinned_rows(HistoryStorage& layer, size_t index) {
  auto* storage = dynamic_cast<TensorHistoryStorage*>(&layer);
  TORCH_CHECK(storage != nullptr && layer.device().is_cpu(), "history_io: history ", index,
              " is not host memory (history=host with device=cuda keeps it pinned on the host)");
  const at::Tensor rows = storage->tensor();
  TORCH_CHECK(rows.scalar_type() == at::kFloat, "history_io: history ", index, " keeps ", rows.scalar_type(),
              " rows; the CUDA transports move float32 (use history_io=sync or async with history_dtype)");
  TORCH_CHECK(rows.is_pinned(), "history_io: history ", index,
              " is in unpinned host memory; the CUDA transports need the pinned memory of history=host on a "
              "CUDA device");
  return rows;
}

class CudaHistoryTransport : public HistoryTransport {
 public:
  CudaHistoryTransport(Mode mode, int64_t threads) : mode_(mode) {
    TORCH_CHECK(threads >= 1, "history_io: needs at least one thread, got ", threads);
    if (mode_ == Mode::Staged) pool_ = std::make_unique<util::ThreadPool>(threads, util::use_one_intraop_thread);
  }

  ~CudaHistoryTransport() override {
    // No gathering thread may outlive the buffers it fills.
    for (auto& f : gathers_)
      if (f.valid()) f.wait();
  }

  std::string name() const override { return mode_ == Mode::Staged ? "staged" : "uva"; }

  void begin_batch(const std::vector<HistoryStorage*>& layers, const Batch& batch) override {
    end_batch();
    const c10::Device device(c10::kCUDA, c10::cuda::current_device());
    if (!h2d_ || h2d_->device() != device) start(device, layers.size());
    TORCH_CHECK(layers.size() == push_done_.size(), "history_io: the store has ", layers.size(),
                " histories, this transport moved ", push_done_.size());
    const c10::cuda::CUDAStream compute = c10::cuda::getCurrentCUDAStream(device.index());
    boundary_.block(*h2d_);  // batch b-2 is done with the buffers of this parity
    boundary_.record(compute);
    parity_ ^= 1;
    std::vector<at::Tensor>& buffer = buffer_[parity_];
    const at::Tensor halo = batch.halo().contiguous();
    const int64_t n = halo.numel();
    at::Tensor halo_device;
    if (mode_ == Mode::Uva) {
      const c10::cuda::CUDAStreamGuard on_h2d(*h2d_);
      halo_device = halo.to(device, /*non_blocking=*/true);
    }
    gathers_.clear();
    gathers_.resize(layers.size());
    for (size_t l = 0; l < layers.size(); ++l) {
      const at::Tensor history = pinned_rows(*layers[l], l);
      const int64_t width = history.size(1);
      if (!buffer[l].defined() || buffer[l].size(0) < n || buffer[l].size(1) != width)
        buffer[l] = at::empty({std::max<int64_t>(n, 1), width}, at::TensorOptions(device).dtype(at::kFloat));
      at::Tensor out = buffer[l].narrow(0, 0, n);
      if (mode_ == Mode::Uva) {
        push_done_[l]->block(*h2d_);
        const Timing timing = start_timing(*h2d_);
        gas::cuda::gather_rows_uva(history, halo_device, out, h2d_->stream());
        stop_timing(timing, *h2d_, h2d_times_);
        pulled_[l].record(*h2d_);
      } else {
        if (!staging_[l].defined() || staging_[l].size(0) < n || staging_[l].size(1) != width)
          staging_[l] = GAS_KERNEL(host_history_zeros, device)(std::max<int64_t>(n, 1), width, at::kFloat);
        // The task waits for the push event of batch b-1 it was given: push()
        // replaces push_done_[l] with this batch's while the task may run.
        gathers_[l] = pool_->submit([this, l, device, history, halo, out, landed = push_done_[l],
                                     staged = staging_[l].narrow(0, 0, n)]() mutable {
          const c10::cuda::CUDAGuard guard(device);
          landed->synchronize();          // batch b-1's rows of this layer are in the history
          staged_free_[l].synchronize();  // the buffer's previous copy has been read
          ops::gather_rows_out(history, halo, staged);
          const Timing timing = start_timing(*h2d_);
          C10_CUDA_CHECK(cudaMemcpyAsync(out.data_ptr(), staged.data_ptr(), staged.nbytes(), cudaMemcpyHostToDevice,
                                         h2d_->stream()));
          stop_timing(timing, *h2d_, h2d_times_);
          staged_free_[l].record(*h2d_);
          pulled_[l].record(*h2d_);
        });
      }
    }
  }

  at::Tensor pull(HistoryStorage& layer, size_t index, const Batch& batch) override {
    TORCH_CHECK(index < pulled_.size() && h2d_, "history_io: no pull of history ", index,
                " in flight; was begin_batch called for this batch?");
    if (mode_ == Mode::Staged) {
      TORCH_CHECK(gathers_[index].valid(), "history_io: history ", index, " pulled twice in one batch");
      gathers_[index].get();  // the H2D copy is enqueued (rethrows a gathering error)
    }
    pulled_[index].block(c10::cuda::getCurrentCUDAStream(h2d_->device_index()));
    return buffer_[parity_][index].narrow(0, 0, batch.num_halo());
  }

  void push(HistoryStorage& layer, size_t index, const at::Tensor& rows, const Batch& batch) override {
    TORCH_CHECK(rows.is_cuda() && h2d_, "history_io: pushed rows must be on the CUDA device, got ", rows.device());
    const at::Tensor history = pinned_rows(layer, index);
    at::cuda::CUDAEvent ready;
    ready.record(c10::cuda::getCurrentCUDAStream(rows.device().index()));
    ready.block(*d2h_);
    const int64_t row_bytes = history.size(1) * static_cast<int64_t>(sizeof(float));
    const Timing timing = start_timing(*d2h_);
    if (batch.offset.defined() && batch.count.defined()) {
      const int64_t* o = batch.offset.data_ptr<int64_t>();
      const int64_t* c = batch.count.data_ptr<int64_t>();
      const char* src = static_cast<const char*>(rows.data_ptr());
      char* dst = static_cast<char*>(history.data_ptr());
      for (int64_t i = 0, from = 0; i < batch.offset.numel(); from += c[i], ++i)
        C10_CUDA_CHECK(cudaMemcpyAsync(dst + o[i] * row_bytes, src + from * row_bytes, c[i] * row_bytes,
                                       cudaMemcpyDeviceToHost, d2h_->stream()));
    } else {
      const c10::cuda::CUDAStreamGuard on_d2h(*d2h_);
      const at::Tensor ids = batch.n_id.narrow(0, 0, batch.batch_size).to(rows.device(), /*non_blocking=*/true);
      gas::cuda::scatter_rows_uva(rows, ids, history, d2h_->stream());
      ids.record_stream(*d2h_);
    }
    stop_timing(timing, *d2h_, d2h_times_);
    // The caching allocator must not hand rows' memory out again before the
    // copies on the d2h stream have read it.
    rows.record_stream(*d2h_);
    push_done_[index] = std::make_shared<at::cuda::CUDAEvent>();
    push_done_[index]->record(*d2h_);
  }

  void end_batch() override {
    // Pushes stay in flight (the next batch's pulls wait for them on the
    // device); what is left to wait for here is the gathering threads of a
    // batch that ended early, so that none outlives its batch's tensors.
    std::exception_ptr error;
    for (auto& f : gathers_) {
      if (!f.valid()) continue;
      try {
        f.get();
      } catch (...) {
        if (!error) error = std::current_exception();
      }
    }
    gathers_.clear();
    if (error) std::rethrow_exception(error);
  }

  void synchronize() override {
    end_batch();
    if (!h2d_) return;
    for (auto& e : pulled_) e.synchronize();
    for (auto& e : push_done_) e->synchronize();
  }

  void set_profiling(bool on) override { profiling_ = on; }

  void collect_device_times(HistoryTransfers& into) override {
    std::lock_guard<std::mutex> lock(timing_mutex_);
    auto add = [](std::vector<Timing>& timed, double& total) {
      if (timed.empty()) return;
      double ms = 0.0;
      for (auto& [start, stop] : timed) {
        stop->synchronize();
        ms += start->elapsed_time(*stop);
      }
      total = std::max(total, 0.0) + ms / 1000.0;
      timed.clear();
    };
    add(h2d_times_, into.h2d_seconds);
    add(d2h_times_, into.d2h_seconds);
  }

 private:
  using Timing = std::pair<std::shared_ptr<at::cuda::CUDAEvent>, std::shared_ptr<at::cuda::CUDAEvent>>;

  // A timing event recorded on `stream` before a copy (none when not profiling).
  Timing start_timing(const c10::cuda::CUDAStream& stream) const {
    if (!profiling_) return {};
    auto start = std::make_shared<at::cuda::CUDAEvent>(cudaEventDefault);
    start->record(stream);
    return {start, nullptr};
  }
  // Closes `timing` after the copy; called from gathering threads too.
  void stop_timing(Timing timing, const c10::cuda::CUDAStream& stream, std::vector<Timing>& into) {
    if (!timing.first) return;
    timing.second = std::make_shared<at::cuda::CUDAEvent>(cudaEventDefault);
    timing.second->record(stream);
    std::lock_guard<std::mutex> lock(timing_mutex_);
    into.push_back(std::move(timing));
  }

  void start(c10::Device device, size_t layers) {
    synchronize();
    h2d_ = std::make_unique<c10::cuda::CUDAStream>(c10::cuda::getStreamFromPool(false, device.index()));
    d2h_ = std::make_unique<c10::cuda::CUDAStream>(c10::cuda::getStreamFromPool(false, device.index()));
    pulled_ = std::vector<at::cuda::CUDAEvent>(layers);
    push_done_.clear();
    for (size_t l = 0; l < layers; ++l) push_done_.push_back(std::make_shared<at::cuda::CUDAEvent>());
    staged_free_ = std::vector<at::cuda::CUDAEvent>(layers);
    for (auto& set : buffer_) set.assign(layers, at::Tensor());
    staging_.assign(layers, at::Tensor());
  }

  Mode mode_;
  std::unique_ptr<util::ThreadPool> pool_;  // staged: the gathering threads
  std::unique_ptr<c10::cuda::CUDAStream> h2d_, d2h_;
  at::cuda::CUDAEvent boundary_;  // on the compute stream, when the last batch began
  std::vector<at::cuda::CUDAEvent> pulled_, staged_free_;  // one per layer
  std::vector<std::shared_ptr<at::cuda::CUDAEvent>> push_done_;  // a new one per push
  std::vector<at::Tensor> buffer_[2];  // device: each layer's pulled halo rows, per batch parity
  int parity_ = 0;
  std::vector<at::Tensor> staging_;  // pinned host: staged rows on their way
  std::vector<std::future<void>> gathers_;
  bool profiling_ = false;
  std::mutex timing_mutex_;
  std::vector<Timing> h2d_times_, d2h_times_;  // under timing_mutex_
};

const bool registered = register_history_transport("staged", [](int64_t threads) {
  return std::make_shared<CudaHistoryTransport>(Mode::Staged, threads);
}) && register_history_transport("uva", [](int64_t) { return std::make_shared<CudaHistoryTransport>(Mode::Uva, 1); });

}  // namespace
}  // namespace cuda
}  // namespace gas
