#pragma once
/// \file
/// Functional building blocks shared by the layers and models.

#include <ATen/core/Tensor.h>

namespace gas {
namespace nn {

/// Inverted dropout: zeroes each element with probability p and scales the
/// rest by 1 / (1 - p) when `training`; identity otherwise. Differentiable.
/// The mask is a hash of (seed, element index) with the seed drawn from
/// LibTorch's default generator, so torch::manual_seed makes runs
/// repeatable. It vectorises and is recomputed in the backward pass rather
/// than stored; LibTorch's bernoulli_ is a serial per-element loop on CPU
/// builds without MKL and dominated small-graph epochs. CPU tensors only.
at::Tensor dropout(const at::Tensor& x, double p, bool training);

}  // namespace nn
}  // namespace gas
