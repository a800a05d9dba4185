#include <gas/nn/functional.h>

#include <gas/compat.h>
#include <gas/ops/dropout.h>
#include <gas/ops/dropout_matmul.h>
#include <gas/ops/gather.h>
#include <gas/ops/spmm.h>
#include <gas/sparse_features.h>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <mutex>

namespace gas {
namespace nn {
namespace {

uint64_t draw_seed() {
  at::CPUGeneratorImpl* gen =
      at::get_generator_or_default<at::CPUGeneratorImpl>(gas::nullopt, at::detail::getDefaultCPUGenerator());
  std::lock_guard<std::mutex> lock(gen->mutex_);
  return gen->random64();
}

}  // namespace

at::Tensor dropout(const at::Tensor& x, double p, bool training) {
  TORCH_CHECK(p >= 0.0 && p <= 1.0, "dropout: probability must be in [0, 1], got ", p);
  if (!training || p == 0.0) return x;
  if (is_sparse_features(x))
    return sparse_rows(x.crow_indices(), x.col_indices(), nn::dropout(x.values(), p, training), x.sizes());
  if (p == 1.0) return x * 0;
  return ops::dropout(x, p, draw_seed());
}

at::Tensor matmul(const at::Tensor& x, const at::Tensor& w) {
  if (!is_sparse_features(x)) return x.matmul(w);
  TORCH_CHECK(w.dim() == 2 && w.size(0) == x.size(1), "matmul: sparse features [", x.size(0), ", ", x.size(1),
              "] times ", w.sizes());
  const CSR rows{x.crow_indices(), x.col_indices(), x.values(), x.size(0), x.size(1)};
  return ops::spmm(rows, w.contiguous());
}

at::Tensor input_rows(const at::Tensor& x, const at::Tensor& rows) {
  if (!rows.defined()) return x;
  // Sparse features have no index_select (and no gradient); dense ones may.
  return is_sparse_features(x) ? ops::gather_rows(x, rows) : x.index_select(0, rows);
}

at::Tensor dropout_matmul(const at::Tensor& x, const at::Tensor& w, double p, bool training, const at::Tensor& rows) {
  TORCH_CHECK(p >= 0.0 && p <= 1.0, "dropout: probability must be in [0, 1], got ", p);
  if (!training) p = 0.0;
  if (is_sparse_features(x) || p == 1.0) return nn::matmul(nn::dropout(input_rows(x, rows), p, training), w);
  return ops::dropout_matmul(x, w, p, p > 0.0 ? draw_seed() : 0, rows);
}

at::Tensor linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
  if (!is_sparse_features(x)) return at::linear(x, weight, bias);
  const at::Tensor out = nn::matmul(x, weight.t());
  return bias.defined() ? out + bias : out;
}

}  // namespace nn
}  // namespace gas
