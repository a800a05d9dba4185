#include <gas/history.h>

#include <gas/loader.h>

#include <ATen/ATen.h>
#include <ATen/Context.h>

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
  TORCH_CHECK(n_id.dim() == 1 && n_id.scalar_type() == at::kLong, "History::pull: n_id must be a 1-D int64 tensor, got ",
              n_id.sizes(), " ", n_id.scalar_type());
  return emb_.index_select(0, n_id.to(emb_.device())).to(compute_device_);
}

at::Tensor History::pull() const { return emb_.to(compute_device_); }

void History::push(const at::Tensor& x) {
  check_rows(x, num_embeddings(), "expected num_embeddings =");
  emb_.copy_(x.detach());
}

void History::push(const at::Tensor& x, const at::Tensor& n_id) {
  TORCH_CHECK(n_id.dim() == 1 && n_id.scalar_type() == at::kLong, "History::push: n_id must be a 1-D int64 tensor, got ",
              n_id.sizes(), " ", n_id.scalar_type());
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
    TORCH_CHECK(cp[i] >= 0 && op[i] >= 0 && op[i] + cp[i] <= num_embeddings(), "History::push: chunk ", i,
                " [", op[i], ", ", op[i] + cp[i], ") outside [0, ", num_embeddings(), ")");
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

void SyncHistoryIO::push_batch(std::vector<History>& histories, size_t index, const at::Tensor& x,
                               const Batch& batch) {
  const at::Tensor rows = x.narrow(0, 0, batch.batch_size);
  if (batch.offset.defined() && batch.count.defined()) {
    histories.at(index).push(rows, batch.offset, batch.count);
  } else {
    histories.at(index).push(rows, batch.n_id.narrow(0, 0, batch.batch_size));
  }
}

}  // namespace gas
