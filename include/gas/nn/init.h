#pragma once
/// \file
/// Parameter initialisation shared by the layers.

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

namespace gas {
namespace nn {

/// Glorot/Xavier uniform initialisation of a [..., fan_in, fan_out] weight
/// (PyG's `glorot`).
void glorot_(at::Tensor& weight);

/// Re-initialises every Linear and BatchNorm1d among the descendants of
/// `module` (for containers such as Sequential, whose children LibTorch has
/// no common reset for).
void reset_descendants(torch::nn::Module& module);

}  // namespace nn
}  // namespace gas
