#pragma once
/// \file
/// Parameter initialisation shared by the layers and the models.

#include <gas/macros.h>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

namespace gas {
namespace nn {

/// Glorot/Xavier uniform initialisation of a [..., fan_in, fan_out] weight
/// (PyG's `glorot`).
GAS_API void glorot_(at::Tensor& weight);

/// Zeroes `bias` when it is defined (an optional bias), outside autograd.
GAS_API void zeros_(at::Tensor& bias);

/// A layer that re-initialises its own parameters in place. gas's layers are
/// Resettable, so reset_submodules finds them among LibTorch's modules.
class GAS_API Resettable {
 public:
  virtual ~Resettable() = default;
  virtual void reset_parameters() = 0;
};

/// Re-initialises the submodules of `module` in registration order (the
/// order that decides which random draws each weight gets): Resettable
/// layers, Linear and BatchNorm1d reset themselves; containers
/// (ModuleList, Sequential, anything else without parameters of its own) are
/// walked. A submodule of another kind holding parameters is an error naming
/// it, since leaving it as trained would silently carry one run's weights
/// into the next.
GAS_API void reset_submodules(torch::nn::Module& module);

}  // namespace nn
}  // namespace gas
