#include <gas/history.h>

#include <gas/loader.h>
#include <gas/ops/gather.h>

#include "util/thread_pool.h"
#include "util/threads.h"

#include <ATen/ATen.h>
#include <ATen/Context.h>

#include <cstring>
#include <future>

namespace gas {

HistoryPlacement parse_history_placement(const std::string& name) {
  if (name == "host") return HistoryPlacement::Host;
  if (name == "device") return HistoryPlacement::Device;
  TORCH_CHECK(false, "unknown history placement '", name, "' (valid: host, device)");
}

History::History(int64_t num_embeddings, int64_t embedding_dim) {
  TORCH_CHECK(num_embeddings >= 0, "History: num_embeddings must be >= 0, got ", num_embeddings);
  TORCH_CHECK(embedding_dim > 0, "History: embedding_dim must be positive, got ", embedding_dim);
  emb_ = at::zeros({num_embeddings, embedding_dim}, at::kFloat);
}

void History::reset() { emb_.zero_(); }

void History::place(c10::Device compute_device, HistoryPlacement placement) {
  compute_device_ = compute_device;
  if (placement == HistoryPlacement::Device) {
    if (emb_.device() != compute_device) emb_ = emb_.to(compute_device);
    return;
  }
  // Pinned memory exists only with a CUDA runtime; asking for it otherwise throws.
  const bool pin = compute_device.is_cuda() && at::hasCUDA();
  if (!emb_.device().is_cpu()) {
    emb_ = emb_.to(at::kCPU);
  }
  if (pin && !emb_.is_pinned()) emb_ = emb_.pin_memory();
  if (!pin && emb_.is_pinned()) emb_ = emb_.clone();
}

void History::check_rows(const at::Tensor& x, int64_t rows, const char* what) const {
  TORCH_CHECK(x.dim() == 2 && x.size(1) == embedding_dim(), "History::push: expected x of shape [", rows, ", ",
              embedding_dim(), "], got ", x.sizes());
  TORCH_CHECK(x.size(0) == rows, "History::push: x has ", x.size(0), " rows, ", what, " ", rows);
}

at::Tensor History::pull(const at::Tensor& n_id) const {
  TORCH_CHECK(n_id.dim() == 1 && n_id.scalar_type() == at::kLong,
              "History::pull: n_id must be a 1-D int64 tensor, got ", n_id.sizes(), " ", n_id.scalar_type());
  return ops::gather_rows(emb_, n_id.to(emb_.device())).to(compute_device_);
}

at::Tensor History::pull() const { return emb_.to(compute_device_); }

void History::push(const at::Tensor& x) {
  check_rows(x, num_embeddings(), "expected num_embeddings =");
  emb_.copy_(x.detach());
}

void History::push(const at::Tensor& x, const at::Tensor& n_id) {
  TORCH_CHECK(n_id.dim() == 1 && n_id.scalar_type() == at::kLong,
              "History::push: n_id must be a 1-D int64 tensor, got ", n_id.sizes(), " ", n_id.scalar_type());
  check_rows(x, n_id.numel(), "n_id has");
  emb_.index_copy_(0, n_id.to(emb_.device()), x.detach().to(emb_.device(), emb_.scalar_type()));
}

void History::push(const at::Tensor& x, const at::Tensor& offset, const at::Tensor& count) {
  TORCH_CHECK(offset.dim() == 1 && count.dim() == 1 && offset.numel() == count.numel(),
              "History::push: offset and count must be 1-D of equal length, got ", offset.sizes(), " and ",
              count.sizes());
  const at::Tensor o = offset.to(at::kCPU, at::kLong).contiguous();
  const at::Tensor c = count.to(at::kCPU, at::kLong).contiguous();
  const int64_t* op = o.data_ptr<int64_t>();
  const int64_t* cp = c.data_ptr<int64_t>();
  int64_t total = 0;
  for (int64_t i = 0; i < o.numel(); ++i) {
    TORCH_CHECK(cp[i] >= 0 && op[i] >= 0 && op[i] + cp[i] <= num_embeddings(), "History::push: chunk ", i, " [", op[i],
                ", ", op[i] + cp[i], ") outside [0, ", num_embeddings(), ")");
    total += cp[i];
  }
  check_rows(x, total, "the chunks cover");
  const at::Tensor src = x.detach().to(emb_.device(), emb_.scalar_type());
  int64_t src_offset = 0;
  for (int64_t i = 0; i < o.numel(); ++i) {
    emb_.narrow(0, op[i], cp[i]).copy_(src.narrow(0, src_offset, cp[i]));
    src_offset += cp[i];
  }
}

at::Tensor SyncHistoryIO::pull_halo(std::vector<History>& histories, size_t index, const Batch& batch) {
  return histories.at(index).pull(batch.halo());
}

void SyncHistoryIO::push_batch(std::vector<History>& histories, size_t index, const at::Tensor& x, const Batch& batch) {
  const at::Tensor rows = x.narrow(0, 0, batch.batch_size);
  if (batch.offset.defined() && batch.count.defined()) {
    histories.at(index).push(rows, batch.offset, batch.count);
  } else {
    histories.at(index).push(rows, batch.n_id.narrow(0, 0, batch.batch_size));
  }
}

namespace {

// out[i] = emb[idx[i]] with row memcpys: the worker thread does the whole
// gather itself, without opening an OpenMP team next to the trainer's.
void gather_rows_into(const at::Tensor& emb, const at::Tensor& idx, at::Tensor& out) {
  const int64_t width = emb.size(1), n = idx.numel(), rows = emb.size(0);
  const float* src = emb.data_ptr<float>();
  const int64_t* ix = idx.data_ptr<int64_t>();
  float* dst = out.data_ptr<float>();
  for (int64_t i = 0; i < n; ++i) {
    TORCH_CHECK(ix[i] >= 0 && ix[i] < rows, "History pull: node ", ix[i], " outside [0, ", rows, ")");
    std::memcpy(dst + i * width, src + ix[i] * width, static_cast<size_t>(width) * sizeof(float));
  }
}

}  // namespace

struct AsyncHistoryIO::State {
  explicit State(int64_t threads) : pool(threads, util::use_one_intraop_thread) {}

  util::ThreadPool pool;
  std::vector<at::Tensor> staging;       // one buffer per history, grown as needed
  std::vector<std::future<void>> pulls;  // one per history, for the current batch
  std::vector<at::Tensor> pulled;        // views of the staging buffers
  std::vector<std::future<void>> pushes;
};

AsyncHistoryIO::AsyncHistoryIO(int64_t num_threads) {
  TORCH_CHECK(num_threads >= 1, "AsyncHistoryIO: needs at least one thread, got ", num_threads);
  state_ = std::make_unique<State>(num_threads);
}

AsyncHistoryIO::~AsyncHistoryIO() {
  // Never let a worker outlive the tensors it writes to.
  for (auto& f : state_->pulls)
    if (f.valid()) f.wait();
  for (auto& f : state_->pushes)
    if (f.valid()) f.wait();
}

void AsyncHistoryIO::begin_batch(std::vector<History>& histories, const Batch& batch) {
  State& s = *state_;
  end_batch();  // a previous batch that ended by an error may have left work queued
  const at::Tensor halo = batch.halo().contiguous();
  const int64_t n = halo.numel();
  s.staging.resize(histories.size());
  s.pulled.assign(histories.size(), at::Tensor());
  s.pulls.clear();
  for (size_t i = 0; i < histories.size(); ++i) {
    const History& h = histories[i];
    TORCH_CHECK(h.emb().device().is_cpu() && h.emb().scalar_type() == at::kFloat, "AsyncHistoryIO: history ", i,
                " must be float32 in host memory for the CPU workers");
    if (!s.staging[i].defined() || s.staging[i].size(0) < n || s.staging[i].size(1) != h.embedding_dim())
      s.staging[i] = at::empty({std::max<int64_t>(n, 1), h.embedding_dim()}, at::kFloat);
    s.pulled[i] = s.staging[i].narrow(0, 0, n);
    at::Tensor out = s.pulled[i];
    const at::Tensor emb = h.emb();
    s.pulls.push_back(s.pool.submit([emb, halo, out]() mutable { gather_rows_into(emb, halo, out); }));
  }
}

at::Tensor AsyncHistoryIO::pull_halo(std::vector<History>& histories, size_t index, const Batch& batch) {
  State& s = *state_;
  TORCH_CHECK(index < s.pulls.size() && s.pulls[index].valid(), "AsyncHistoryIO: no pull of history ", index,
              " in flight; was begin_batch called for this batch?");
  s.pulls[index].get();
  return s.pulled[index].to(histories[index].compute_device());
}

void AsyncHistoryIO::push_batch(std::vector<History>& histories, size_t index, const at::Tensor& x,
                                const Batch& batch) {
  History* history = &histories.at(index);
  const at::Tensor rows = x.detach().narrow(0, 0, batch.batch_size).to(at::kCPU);
  const at::Tensor offset = batch.offset, count = batch.count, n_id = batch.n_id.narrow(0, 0, batch.batch_size);
  state_->pushes.push_back(state_->pool.submit([history, rows, offset, count, n_id] {
    if (offset.defined() && count.defined()) {
      history->push(rows, offset, count);
    } else {
      history->push(rows, n_id);
    }
  }));
}

void AsyncHistoryIO::end_batch() {
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

}  // namespace gas
