#include <gas/history/transport.h>

#include <gas/loader.h>

#include "util/thread_pool.h"
#include "util/threads.h"

#include <ATen/ATen.h>

#include <future>
#include <map>
#include <mutex>

namespace gas {

void write_batch_rows(HistoryStorage& layer, const at::Tensor& in, const Batch& batch) {
  const at::Tensor rows = in.to(layer.device());
  if (!batch.offset.defined() || !batch.count.defined()) {
    layer.write(batch.n_id.narrow(0, 0, batch.batch_size).to(layer.device()), rows);
    return;
  }
  const int64_t* o = batch.offset.data_ptr<int64_t>();
  const int64_t* c = batch.count.data_ptr<int64_t>();
  int64_t src = 0;
  for (int64_t i = 0; i < batch.offset.numel(); ++i) {
    layer.write_range(o[i], rows.narrow(0, src, c[i]));
    src += c[i];
  }
}

namespace {

at::Tensor read_halo(const HistoryStorage& layer, const at::Tensor& halo, at::Tensor out) {
  layer.read(halo, out);
  return out;
}

}  // namespace

at::Tensor SyncHistoryTransport::pull(HistoryStorage& layer, size_t index, const Batch& batch) {
  const at::Tensor halo = batch.halo().to(layer.device()).contiguous();
  return read_halo(layer, halo,
                   at::empty({halo.numel(), layer.width()}, at::TensorOptions(layer.device()).dtype(at::kFloat)));
}

void SyncHistoryTransport::push(HistoryStorage& layer, size_t index, const at::Tensor& rows, const Batch& batch) {
  write_batch_rows(layer, rows, batch);
}

struct AsyncHistoryTransport::State {
  explicit State(int64_t threads) : num_threads(threads), pool(threads, util::use_one_intraop_thread) {}

  int64_t num_threads;
  util::ThreadPool pool;
  std::vector<at::Tensor> staging;       // one buffer per layer, grown as needed
  std::vector<std::future<void>> pulls;  // one per layer, for the current batch
  std::vector<at::Tensor> pulled;        // views of the staging buffers
  std::vector<std::future<void>> pushes;
};

AsyncHistoryTransport::AsyncHistoryTransport(int64_t num_threads) {
  TORCH_CHECK(num_threads >= 1, "AsyncHistoryTransport: needs at least one thread, got ", num_threads);
  state_ = std::make_unique<State>(num_threads);
}

AsyncHistoryTransport::~AsyncHistoryTransport() {
  // Never let a worker outlive the tensors it writes to.
  for (auto* tasks : {&state_->pulls, &state_->pushes})
    for (auto& f : *tasks)
      if (f.valid()) f.wait();
}

int64_t AsyncHistoryTransport::num_threads() const { return state_->num_threads; }

void AsyncHistoryTransport::begin_batch(const std::vector<HistoryStorage*>& layers, const Batch& batch) {
  State& s = *state_;
  end_batch();  // a previous batch that ended by an error may have left work queued
  const at::Tensor halo = batch.halo().contiguous();
  const int64_t n = halo.numel();
  s.staging.resize(layers.size());
  s.pulled.assign(layers.size(), at::Tensor());
  s.pulls.clear();
  for (size_t i = 0; i < layers.size(); ++i) {
    const HistoryStorage* layer = layers[i];
    TORCH_CHECK(layer->device().is_cpu(), "AsyncHistoryTransport: history ", i, " is on ", layer->device(),
                "; the CPU workers move host memory only");
    if (!s.staging[i].defined() || s.staging[i].size(0) < n || s.staging[i].size(1) != layer->width())
      s.staging[i] = at::empty({std::max<int64_t>(n, 1), layer->width()}, at::kFloat);
    s.pulled[i] = s.staging[i].narrow(0, 0, n);
    s.pulls.push_back(s.pool.submit([layer, halo, out = s.pulled[i]] { read_halo(*layer, halo, out); }));
  }
}

at::Tensor AsyncHistoryTransport::pull(HistoryStorage& layer, size_t index, const Batch& batch) {
  State& s = *state_;
  TORCH_CHECK(index < s.pulls.size() && s.pulls[index].valid(), "AsyncHistoryTransport: no pull of history ", index,
              " in flight; was begin_batch called for this batch?");
  s.pulls[index].get();
  return s.pulled[index];
}

void AsyncHistoryTransport::push(HistoryStorage& layer, size_t index, const at::Tensor& rows, const Batch& batch) {
  HistoryStorage* target = &layer;
  state_->pushes.push_back(state_->pool.submit([target, rows, batch] { write_batch_rows(*target, rows, batch); }));
}

void AsyncHistoryTransport::end_batch() {
  State& s = *state_;
  // Wait for everything first, then report the first error, so that no task
  // is left running against this batch's tensors.
  std::exception_ptr error;
  for (auto* tasks : {&s.pulls, &s.pushes}) {
    for (auto& f : *tasks) {
      if (!f.valid()) continue;
      try {
        f.get();
      } catch (...) {
        if (!error) error = std::current_exception();
      }
    }
    tasks->clear();
  }
  if (error) std::rethrow_exception(error);
}

namespace {

std::map<std::string, HistoryTransportFactory>& transports() {
  static std::map<std::string, HistoryTransportFactory> all{
      {"sync", [](int64_t) { return std::make_shared<SyncHistoryTransport>(); }},
      {"async", [](int64_t threads) { return std::make_shared<AsyncHistoryTransport>(threads); }}};
  return all;
}

std::mutex& transports_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace

bool register_history_transport(const std::string& name, HistoryTransportFactory factory) {
  std::lock_guard<std::mutex> lock(transports_mutex());
  TORCH_CHECK(transports().emplace(name, std::move(factory)).second, "history transport '", name,
              "' registered twice");
  return true;
}

std::shared_ptr<HistoryTransport> make_history_transport(const std::string& name, int64_t threads) {
  std::lock_guard<std::mutex> lock(transports_mutex());
  const auto it = transports().find(name);
  if (it != transports().end()) return it->second(threads);
  std::string known;
  for (const auto& t : transports()) known += (known.empty() ? "" : ", ") + t.first;
  TORCH_CHECK(false, "history_io: no transport '", name, "' in this build of gas (available: ", known,
              "; staged and uva need the CUDA kernels)");
}

}  // namespace gas
