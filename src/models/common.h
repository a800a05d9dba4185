#pragma once
// Pieces the model implementations share: collecting parameters for the
// regularised / non-regularised optimiser groups, the activation that closes
// a hidden layer, and the layer of a plain convolution stack.

#include <gas/graph.h>
#include <gas/nn/functional.h>

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

/// Every element but the last (the output layer, which usually takes the
/// non-regularised weight decay).
template <typename Holder>
std::vector<Holder> all_but_last(const std::vector<Holder>& modules) {
  return modules.empty() ? modules : std::vector<Holder>(modules.begin(), modules.end() - 1);
}

/// Batch norm (when `bns` holds one for the layer), the residual input where
/// widths agree and the input is dense, then ReLU.
at::Tensor hidden_activation(at::Tensor out, const at::Tensor& input, std::vector<torch::nn::BatchNorm1d>& bns,
                             int64_t layer, bool residual);

/// One layer of a plain stack of convolutions (PNA, SAGE): dropout (before
/// layer 0 only with drop_input), the convolution, and hidden_activation
/// after every layer but the last.
template <typename Conv, typename Options>
at::Tensor stack_layer(std::vector<Conv>& convs, std::vector<torch::nn::BatchNorm1d>& bns, const Options& options,
                       int64_t layer, const at::Tensor& x, const CSR& adj, bool training) {
  at::Tensor h = x;
  if (layer > 0 || options.drop_input()) h = nn::dropout(h, options.dropout(), training);
  const at::Tensor out = convs[layer]->forward(h, adj);
  return layer + 1 < options.num_layers() ? hidden_activation(out, h, bns, layer, options.residual()) : out;
}

}  // namespace detail
}  // namespace models
}  // namespace gas
