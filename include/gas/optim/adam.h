#pragma once
/// \file
/// Adam with its update fused: what make_adam (train.h) builds.

#include <gas/macros.h>

#include <torch/optim/adam.h>

namespace gas {
namespace optim {

/// torch::optim::Adam whose step updates each parameter in one pass
/// (ops::adam_step) instead of nine LibTorch ops: on a small model such as a
/// two-layer GCN those ops' dispatch was most of the step. Everything else
/// is the base class's: options, parameter groups, the per-parameter state
/// (torch::optim::AdamParamState) and its serialisation, so a checkpoint
/// written with either loads into the other, and `Adam&` passes wherever a
/// torch::optim::Adam or Optimizer is expected. The result equals
/// LibTorch's up to rounding.
class GAS_API Adam : public torch::optim::Adam {
 public:
  using torch::optim::Adam::Adam;
  torch::Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace optim
}  // namespace gas
