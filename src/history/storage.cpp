#include <gas/history/storage.h>

#include <gas/ops/gather.h>

#include "history/host_memory.h"

#include <ATen/ATen.h>

namespace gas {

TensorHistoryStorage::TensorHistoryStorage(at::Tensor emb) : emb_(std::move(emb)) {
  TORCH_CHECK(emb_.dim() == 2 && emb_.scalar_type() == at::kFloat && emb_.is_contiguous(),
              "TensorHistoryStorage: expected a contiguous 2-D float32 tensor, got ", emb_.sizes(), " ",
              emb_.scalar_type());
}

int64_t TensorHistoryStorage::rows() const { return emb_.size(0); }
int64_t TensorHistoryStorage::width() const { return emb_.size(1); }
c10::Device TensorHistoryStorage::device() const { return emb_.device(); }
int64_t TensorHistoryStorage::nbytes() const { return emb_.numel() * static_cast<int64_t>(emb_.element_size()); }
void TensorHistoryStorage::zero() { emb_.zero_(); }

void TensorHistoryStorage::read(const at::Tensor& index, at::Tensor& out) const {
  ops::gather_rows_out(emb_, index, out);
}

void TensorHistoryStorage::read_range(int64_t offset, at::Tensor& out) const {
  out.copy_(emb_.narrow(0, offset, out.size(0)));
}

void TensorHistoryStorage::write(const at::Tensor& index, const at::Tensor& x) { emb_.index_copy_(0, index, x); }

void TensorHistoryStorage::write_range(int64_t offset, const at::Tensor& x) {
  emb_.narrow(0, offset, x.size(0)).copy_(x);
}

namespace ops {

GAS_DEFINE_KERNEL(host_history_zeros)

namespace {
at::Tensor plain_zeros(int64_t rows, int64_t width) { return at::zeros({rows, width}, at::kFloat); }
}  // namespace

GAS_REGISTER_KERNEL(host_history_zeros, CPU, plain_zeros);

}  // namespace ops

namespace {

class HostBackend : public HistoryBackend {
 public:
  std::string name() const override { return "host"; }
  std::unique_ptr<HistoryStorage> allocate(int64_t rows, int64_t width, c10::Device compute) const override {
    return std::make_unique<TensorHistoryStorage>(GAS_KERNEL(host_history_zeros, compute)(rows, width));
  }
};

class DeviceBackend : public HistoryBackend {
 public:
  std::string name() const override { return "device"; }
  std::unique_ptr<HistoryStorage> allocate(int64_t rows, int64_t width, c10::Device compute) const override {
    return std::make_unique<TensorHistoryStorage>(at::zeros({rows, width}, at::TensorOptions(compute).dtype(at::kFloat)));
  }
};

}  // namespace

std::shared_ptr<HistoryBackend> host_history_backend() {
  static const auto backend = std::make_shared<HostBackend>();
  return backend;
}

std::shared_ptr<HistoryBackend> device_history_backend() {
  static const auto backend = std::make_shared<DeviceBackend>();
  return backend;
}

std::shared_ptr<HistoryBackend> history_backend(const std::string& name) {
  if (name == "host") return host_history_backend();
  if (name == "device") return device_history_backend();
  TORCH_CHECK(false, "unknown history placement '", name, "' (valid: host, device)");
}

}  // namespace gas
