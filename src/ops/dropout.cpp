#include <gas/ops/dropout.h>

#include "ops/dropout_kernel.h"

#include <ATen/ATen.h>
#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>

namespace gas {
namespace ops {

GAS_DEFINE_KERNEL(dropout_mask)

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

at::Tensor apply_mask(const at::Tensor& x, double p, uint64_t seed) {
  const at::Tensor in = x.contiguous();
  at::Tensor out = at::empty_like(in);
  const uint32_t threshold = static_cast<uint32_t>(std::min(p * 4294967296.0, 4294967295.0));
  GAS_KERNEL(dropout_mask, in.device())(in, out, seed, threshold, 1.0 / (1.0 - p));
  return out;
}

class DropoutFunction : public torch::autograd::Function<DropoutFunction> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, double p, int64_t seed) {
    ctx->saved_data["p"] = p;
    ctx->saved_data["seed"] = seed;
    return apply_mask(x, p, static_cast<uint64_t>(seed));
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad) {
    const double p = ctx->saved_data["p"].toDouble();
    const uint64_t seed = static_cast<uint64_t>(ctx->saved_data["seed"].toInt());
    return {apply_mask(grad[0], p, seed), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor dropout(const at::Tensor& x, double p, uint64_t seed) {
  TORCH_CHECK(p >= 0.0 && p < 1.0, "ops::dropout: probability must be in [0, 1), got ", p);
  TORCH_CHECK(at::isFloatingType(x.scalar_type()), "ops::dropout: x must be floating point, got ", x.scalar_type());
  return DropoutFunction::apply(x, p, static_cast<int64_t>(seed));
}

}  // namespace ops
}  // namespace gas
