#pragma once
// Pieces the model implementations share: collecting parameters for the
// regularised / non-regularised optimiser groups, and the activation that
// closes a hidden layer.

#include <ATen/core/Tensor.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/pimpl.h>

#include <vector>

namespace gas {
namespace models {
namespace detail {

inline void append_parameters(std::vector<at::Tensor>&) {}

template <typename Holder, typename... Rest>
void append_parameters(std::vector<at::Tensor>& out, const std::vector<Holder>& modules, const Rest&... rest);

template <typename Impl, typename... Rest>
void append_parameters(std::vector<at::Tensor>& out, const torch::nn::ModuleHolder<Impl>& module, const Rest&... rest) {
  if (!module.is_empty()) {
    const auto params = module->parameters();
    out.insert(out.end(), params.begin(), params.end());
  }
  append_parameters(out, rest...);
}

template <typename Holder, typename... Rest>
void append_parameters(std::vector<at::Tensor>& out, const std::vector<Holder>& modules, const Rest&... rest) {
  for (const auto& m : modules) append_parameters(out, m);
  append_parameters(out, rest...);
}

/// The parameters of every given module holder or vector of holders, in order.
template <typename... Modules>
std::vector<at::Tensor> parameters_of(const Modules&... modules) {
  std::vector<at::Tensor> out;
  append_parameters(out, modules...);
  return out;
}

/// Batch norm (when `bns` holds one for the layer), the residual input where
/// widths agree and the input is dense, then ReLU.
at::Tensor hidden_activation(at::Tensor out, const at::Tensor& input, std::vector<torch::nn::BatchNorm1d>& bns,
                             int64_t layer, bool residual);

}  // namespace detail
}  // namespace models
}  // namespace gas
