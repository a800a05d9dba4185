#include <gas/ops/dropout_matmul.h>

#include <gas/compat.h>
#include <gas/ops/dropout.h>

#include "ops/dropout_matmul_kernel.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>

namespace gas {
namespace ops {

GAS_DEFINE_KERNEL(dropout_matmul_forward)
GAS_DEFINE_KERNEL(dropout_matmul_grad_w)

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

uint32_t threshold_of(double p) { return static_cast<uint32_t>(std::min(p * 4294967296.0, 4294967295.0)); }

class DropoutMatmulFunction : public torch::autograd::Function<DropoutMatmulFunction> {
 public:
  // rows (not differentiable) is an optional, not a tensor: autograd takes
  // every tensor argument for an input and cannot take an undefined one.
  // weight_grad: whether a backward will compute w's gradient (decided
  // outside, where grad mode is still the caller's), the one reader of what
  // the forward kernel leaves.
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& w, double p, int64_t seed,
                            const gas::optional<at::Tensor>& row_index, bool weight_grad) {
    const at::Tensor rows = row_index.has_value() ? *row_index : at::Tensor();
    const at::Tensor xc = x.contiguous(), wc = w.contiguous();
    const int64_t m = rows.defined() ? rows.numel() : xc.size(0);
    at::Tensor out = at::empty({m, wc.size(1)}, xc.options()), for_backward;
    GAS_KERNEL(dropout_matmul_forward, xc.device())
    (xc, rows, wc, out, static_cast<uint64_t>(seed), threshold_of(p), 1.0 / (1.0 - p),
     weight_grad ? &for_backward : nullptr);
    ctx->save_for_backward({xc, wc, for_backward, rows});
    ctx->saved_data["p"] = p;
    ctx->saved_data["seed"] = seed;
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad) {
    const variable_list saved = ctx->get_saved_variables();
    const at::Tensor &x = saved[0], &w = saved[1], &rows = saved[3];
    const double p = ctx->saved_data["p"].toDouble();
    const uint64_t seed = static_cast<uint64_t>(ctx->saved_data["seed"].toInt());
    const at::Tensor g = grad[0].contiguous();
    at::Tensor grad_x, grad_w;
    if (ctx->needs_input_grad(0)) {
      grad_x = g.matmul(w.t());
      if (p > 0) grad_x = ops::dropout(grad_x, p, seed);
      if (rows.defined()) grad_x = at::zeros_like(x).index_add_(0, rows, grad_x);
    }
    if (ctx->needs_input_grad(1)) {
      grad_w = at::empty_like(w);
      GAS_KERNEL(dropout_matmul_grad_w, x.device())
      (x, rows, g, grad_w, seed, threshold_of(p), 1.0 / (1.0 - p), saved[2]);
    }
    return {grad_x, grad_w, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor dropout_matmul(const at::Tensor& x, const at::Tensor& w, double p, uint64_t seed, const at::Tensor& rows) {
  TORCH_CHECK(p >= 0.0 && p < 1.0, "ops::dropout_matmul: probability must be in [0, 1), got ", p);
  TORCH_CHECK(x.dim() == 2 && w.dim() == 2 && x.size(1) == w.size(0),
              "ops::dropout_matmul: expected x [m, k] and w [k, n], got ", x.sizes(), " and ", w.sizes());
  TORCH_CHECK(x.scalar_type() == w.scalar_type(), "ops::dropout_matmul: x is ", x.scalar_type(), ", w is ",
              w.scalar_type());
  at::Tensor index;
  if (rows.defined()) {
    TORCH_CHECK(rows.dim() == 1 && rows.scalar_type() == at::kLong && rows.device() == x.device(),
                "ops::dropout_matmul: rows must be int64 [m] on ", x.device(), ", got ", rows.scalar_type(), " ",
                rows.sizes(), " on ", rows.device());
    index = rows.contiguous();
    // On a GPU, index_select's own check, without a host read.
    if (index.numel() > 0 && index.is_cpu()) {
      const int64_t lo = index.min().item<int64_t>(), hi = index.max().item<int64_t>();
      TORCH_CHECK(lo >= 0 && hi < x.size(0), "ops::dropout_matmul: row ", lo < 0 ? lo : hi, " outside x's ", x.size(0),
                  " rows");
    }
  }
  if (x.scalar_type() != at::kFloat) {
    const at::Tensor in = index.defined() ? x.index_select(0, index) : x;
    return (p > 0 ? ops::dropout(in, p, seed) : in).matmul(w);
  }
  return DropoutMatmulFunction::apply(x, w, p, static_cast<int64_t>(seed),
                                      index.defined() ? gas::optional<at::Tensor>(index) : gas::nullopt,
                                      at::GradMode::is_enabled() && w.requires_grad());
}

}  // namespace ops
}  // namespace gas
