#pragma once
// Pieces the model implementations share: registering lists of layers, the
// activation that closes a hidden layer, and the layer of a plain
// convolution stack.

#include <gas/graph.h>
#include <gas/nn/functional.h>

#include <ATen/core/Tensor.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include <string>
#include <vector>

namespace gas {
namespace models {
namespace detail {

/// `count` modules made by make(i), registered as a ModuleList `name` (their
/// parameters are then `name.i.*`); none registered when count is 0.
template <typename Holder, typename Make>
std::vector<Holder> register_list(torch::nn::Module& self, const std::string& name, int64_t count, Make make) {
  std::vector<Holder> modules;
  if (count == 0) return modules;
  auto list = self.register_module(name, torch::nn::ModuleList());
  for (int64_t i = 0; i < count; ++i) {
    modules.push_back(make(i));
    list->push_back(modules.back());
  }
  return modules;
}

/// `count` BatchNorm1d of `width` features as the ModuleList "bns".
std::vector<torch::nn::BatchNorm1d> register_batch_norms(torch::nn::Module& self, int64_t count, int64_t width);

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
