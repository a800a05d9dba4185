#pragma once
/// \file
/// One parameter's Adam update in one pass: the op behind gas::optim::Adam.

#include <gas/macros.h>

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace gas {
namespace ops {

/// The coefficients of one Adam step, as torch::optim::Adam computes them
/// for step `step` (counted from 1).
struct GAS_API AdamStepArgs {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;
  bool amsgrad = false;
  int64_t step = 1;
};

/// torch::optim::Adam's update of `param` in place, fused: with
/// g = grad + weight_decay * param (L2 decay, not AdamW),
///   exp_avg    = beta1 * exp_avg + (1 - beta1) * g
///   exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * g * g
///   (amsgrad: max_exp_avg_sq = max(max_exp_avg_sq, exp_avg_sq), used below)
///   param     -= lr / (1 - beta1^step) * exp_avg
///                / (sqrt(exp_avg_sq) / sqrt(1 - beta2^step) + eps)
/// in the parameter's type, each element read and written once (LibTorch's
/// makes nine passes, each an op with its own dispatch: most of a small
/// model's step). Equal to LibTorch's up to rounding. All tensors of one
/// floating type, device and shape; max_exp_avg_sq is used only with
/// amsgrad. float and double run the kernels, half types LibTorch's ops.
/// Not differentiable (an optimiser's update).
GAS_API void adam_step(at::Tensor& param, const at::Tensor& grad, at::Tensor& exp_avg, at::Tensor& exp_avg_sq,
                       at::Tensor& max_exp_avg_sq, const AdamStepArgs& args);

}  // namespace ops
}  // namespace gas
