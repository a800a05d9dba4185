#include <gas/history/storage.h>

#include <gas/ops/gather.h>

#include "history/host_memory.h"

#include <ATen/ATen.h>

#include <map>
#include <mutex>

namespace gas {

void check_history_dtype(at::ScalarType dtype) {
  TORCH_CHECK(dtype == at::kFloat || dtype == at::kHalf || dtype == at::kBFloat16, "history_dtype: ", dtype,
              " cannot hold history rows (valid: float32, float16, bfloat16)");
}

TensorHistoryStorage::TensorHistoryStorage(at::Tensor emb) : emb_(std::move(emb)) {
  TORCH_CHECK(emb_.dim() == 2 && emb_.is_contiguous(), "TensorHistoryStorage: expected a contiguous 2-D tensor, got ",
              emb_.sizes());
  check_history_dtype(emb_.scalar_type());
}

int64_t TensorHistoryStorage::rows() const { return emb_.size(0); }
int64_t TensorHistoryStorage::width() const { return emb_.size(1); }
c10::Device TensorHistoryStorage::device() const { return emb_.device(); }
int64_t TensorHistoryStorage::nbytes() const { return emb_.numel() * static_cast<int64_t>(emb_.element_size()); }
void TensorHistoryStorage::zero() { emb_.zero_(); }

void TensorHistoryStorage::read(const at::Tensor& index, at::Tensor& out) const {
  if (emb_.scalar_type() == out.scalar_type()) return ops::gather_rows_out(emb_, index, out);
  // Narrow rows: gathered as they are (half the bytes), widened after.
  at::Tensor narrow = at::empty({index.numel(), emb_.size(1)}, emb_.options());
  ops::gather_rows_out(emb_, index, narrow);
  out.copy_(narrow);
}

void TensorHistoryStorage::read_range(int64_t offset, at::Tensor& out) const {
  out.copy_(emb_.narrow(0, offset, out.size(0)));
}

void TensorHistoryStorage::write(const at::Tensor& index, const at::Tensor& x) {
  emb_.index_copy_(0, index, x.to(emb_.scalar_type()));
}

void TensorHistoryStorage::write_range(int64_t offset, const at::Tensor& x) {
  emb_.narrow(0, offset, x.size(0)).copy_(x);
}

namespace ops {

GAS_DEFINE_KERNEL(host_history_zeros)

namespace {
at::Tensor plain_zeros(int64_t rows, int64_t width, at::ScalarType dtype) {
  return at::zeros({rows, width}, at::TensorOptions(dtype));
}
}  // namespace

GAS_REGISTER_KERNEL(host_history_zeros, CPU, plain_zeros);

}  // namespace ops

namespace {

class HostBackend : public HistoryBackend {
 public:
  explicit HostBackend(at::ScalarType dtype) : dtype_(dtype) {}
  std::string name() const override { return "host"; }
  std::unique_ptr<HistoryStorage> allocate(int64_t rows, int64_t width, c10::Device compute) const override {
    return std::make_unique<TensorHistoryStorage>(GAS_KERNEL(host_history_zeros, compute)(rows, width, dtype_));
  }

 private:
  at::ScalarType dtype_;
};

class DeviceBackend : public HistoryBackend {
 public:
  explicit DeviceBackend(at::ScalarType dtype) : dtype_(dtype) {}
  std::string name() const override { return "device"; }
  std::unique_ptr<HistoryStorage> allocate(int64_t rows, int64_t width, c10::Device compute) const override {
    return std::make_unique<TensorHistoryStorage>(at::zeros({rows, width}, at::TensorOptions(compute).dtype(dtype_)));
  }

 private:
  at::ScalarType dtype_;
};

// One shared backend per placement and dtype: a store compares backends by
// identity to skip moving its rows to the one it already has.
template <typename Backend>
std::shared_ptr<HistoryBackend> shared_backend(at::ScalarType dtype) {
  check_history_dtype(dtype);
  static std::mutex mutex;
  static std::map<at::ScalarType, std::shared_ptr<HistoryBackend>> backends;
  std::lock_guard<std::mutex> lock(mutex);
  auto& backend = backends[dtype];
  if (!backend) backend = std::make_shared<Backend>(dtype);
  return backend;
}

}  // namespace

std::shared_ptr<HistoryBackend> host_history_backend(at::ScalarType dtype) { return shared_backend<HostBackend>(dtype); }

std::shared_ptr<HistoryBackend> device_history_backend(at::ScalarType dtype) {
  return shared_backend<DeviceBackend>(dtype);
}

std::shared_ptr<HistoryBackend> history_backend(const HistoryBackendOptions& o) {
  TORCH_CHECK(o.directory().empty() || o.placement() == "mmap", "history_dir: only history=mmap keeps files, got history=",
              o.placement());
  if (o.placement() == "host") return host_history_backend(o.dtype());
  if (o.placement() == "device") return device_history_backend(o.dtype());
  if (o.placement() == "mmap") return mmap_history_backend(o.directory(), o.dtype());
  TORCH_CHECK(false, "unknown history placement '", o.placement(), "' (valid: host, device, mmap)");
}

std::shared_ptr<HistoryBackend> history_backend(const std::string& placement) {
  return history_backend(HistoryBackendOptions().placement(placement));
}

at::ScalarType parse_history_dtype(const std::string& name) {
  if (name == "float32") return at::kFloat;
  if (name == "float16") return at::kHalf;
  if (name == "bfloat16") return at::kBFloat16;
  TORCH_CHECK(false, "history_dtype: unknown dtype '", name, "' (valid: float32, float16, bfloat16)");
}

}  // namespace gas
