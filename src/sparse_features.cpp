#include <gas/sparse_features.h>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/util/Exception.h>
#include <torch/version.h>

#include <functional>

namespace gas {
namespace {

// LibTorch warns once that sparse CSR support is "in beta" the first time
// such a tensor is made; gas uses only its storage, so the warning is noise
// on users' stderr. The handler interface changed in LibTorch 2.
class DiscardWarnings : public c10::WarningHandler {
 public:
#if TORCH_VERSION_MAJOR >= 2
  void process(const c10::Warning&) override {}
#else
  void process(const c10::SourceLocation&, const std::string&, const bool) override {}
#endif
};

#if TORCH_VERSION_MAJOR >= 2
using WarningHandlerGuard = c10::WarningUtils::WarningHandlerGuard;
#else
using WarningHandlerGuard = c10::Warning::WarningHandlerGuard;
#endif

}  // namespace

at::Tensor sparse_rows(const at::Tensor& crow, const at::Tensor& col, const at::Tensor& values, at::IntArrayRef size) {
  DiscardWarnings discard;
  WarningHandlerGuard guard(&discard);
  return at::sparse_csr_tensor(crow, col, values, size, values.options().layout(at::kSparseCsr));
}

at::Tensor to_sparse_features(const at::Tensor& dense) {
  TORCH_CHECK(dense.dim() == 2 && !is_sparse_features(dense), "to_sparse_features: expected dense [N, F], got ",
              dense.sizes());
  const at::Tensor x = dense.contiguous();
  const at::Tensor nz = x.ne(0);
  const at::Tensor counts = nz.sum(1);
  at::Tensor crow = at::zeros({x.size(0) + 1}, at::kLong);
  crow.narrow(0, 1, x.size(0)).copy_(counts.cumsum(0));
  const at::Tensor index = nz.nonzero();  // row-major: rows ascending, columns ascending within a row
  const at::Tensor col = index.select(1, 1).contiguous();
  const at::Tensor values = x.masked_select(nz);
  return sparse_rows(crow, col, values, x.sizes());
}

bool is_sparse_features(const at::Tensor& x) { return x.defined() && x.layout() == at::kSparseCsr; }

double feature_density(const at::Tensor& x) {
  const double total = static_cast<double>(x.size(0)) * static_cast<double>(x.size(1));
  if (total == 0) return 0.0;
  if (is_sparse_features(x)) return static_cast<double>(x._nnz()) / total;
  if (x.scalar_type() != at::kFloat || !x.is_contiguous() || !x.device().is_cpu())
    return x.ne(0).sum().item<double>() / total;
  // Counted in place: x.ne(0).sum() makes a bool copy and an int64 sum
  // buffer, 9x the features' bytes (53 GB for 13M x 512 mapped features).
  const float* p = x.data_ptr<float>();
  const int64_t nnz = at::parallel_reduce(
      0, x.numel(), int64_t{1} << 16, int64_t{0},
      [&](int64_t begin, int64_t end, int64_t count) {
        for (int64_t i = begin; i < end; ++i) count += p[i] != 0.0f;
        return count;
      },
      std::plus<int64_t>());
  return static_cast<double>(nnz) / total;
}

int64_t tensor_nbytes(const at::Tensor& x) {
  if (!x.defined()) return 0;
  if (is_sparse_features(x))
    return tensor_nbytes(x.crow_indices()) + tensor_nbytes(x.col_indices()) + tensor_nbytes(x.values());
  return x.numel() * static_cast<int64_t>(x.element_size());
}

at::Tensor first_rows(const at::Tensor& x, int64_t rows) {
  if (!is_sparse_features(x)) return x.narrow(0, 0, rows);
  const at::Tensor crow = x.crow_indices().narrow(0, 0, rows + 1);
  const int64_t nnz = crow[rows].item<int64_t>();
  return sparse_rows(crow, x.col_indices().narrow(0, 0, nnz), x.values().narrow(0, 0, nnz), {rows, x.size(1)});
}

}  // namespace gas
