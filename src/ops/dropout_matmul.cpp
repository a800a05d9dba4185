#include <gas/ops/dropout_matmul.h>

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
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& w, double p, int64_t seed) {
    const at::Tensor xc = x.contiguous(), wc = w.contiguous();
    at::Tensor out = at::empty({xc.size(0), wc.size(1)}, xc.options()), for_backward;
    GAS_KERNEL(dropout_matmul_forward, xc.device())
    (xc, wc, out, static_cast<uint64_t>(seed), threshold_of(p), 1.0 / (1.0 - p), for_backward);
    ctx->save_for_backward({xc, wc, for_backward});
    ctx->saved_data["p"] = p;
    ctx->saved_data["seed"] = seed;
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad) {
    const variable_list saved = ctx->get_saved_variables();
    const at::Tensor &x = saved[0], &w = saved[1];
    const double p = ctx->saved_data["p"].toDouble();
    const uint64_t seed = static_cast<uint64_t>(ctx->saved_data["seed"].toInt());
    const at::Tensor g = grad[0].contiguous();
    at::Tensor grad_x, grad_w;
    if (ctx->needs_input_grad(0)) {
      grad_x = g.matmul(w.t());
      if (p > 0) grad_x = ops::dropout(grad_x, p, seed);
    }
    if (ctx->needs_input_grad(1)) {
      grad_w = at::empty_like(w);
      GAS_KERNEL(dropout_matmul_grad_w, x.device())
      (x, g, grad_w, seed, threshold_of(p), 1.0 / (1.0 - p), saved[2]);
    }
    return {grad_x, grad_w, at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor dropout_matmul(const at::Tensor& x, const at::Tensor& w, double p, uint64_t seed) {
  TORCH_CHECK(p >= 0.0 && p < 1.0, "ops::dropout_matmul: probability must be in [0, 1), got ", p);
  TORCH_CHECK(x.dim() == 2 && w.dim() == 2 && x.size(1) == w.size(0),
              "ops::dropout_matmul: expected x [m, k] and w [k, n], got ", x.sizes(), " and ", w.sizes());
  TORCH_CHECK(x.scalar_type() == w.scalar_type(), "ops::dropout_matmul: x is ", x.scalar_type(), ", w is ",
              w.scalar_type());
  if (x.scalar_type() != at::kFloat) return (p > 0 ? ops::dropout(x, p, seed) : x).matmul(w);
  return DropoutMatmulFunction::apply(x, w, p, static_cast<int64_t>(seed));
}

}  // namespace ops
}  // namespace gas
