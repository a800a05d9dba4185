#include <gas/models/sage.h>

#include "models/common.h"

#include <torch/nn/modules/container/modulelist.h>

namespace gas {
namespace models {
namespace {

std::vector<int64_t> history_widths(const SAGEOptions& o) {
  TORCH_CHECK(o.num_layers() >= 1 && o.hidden_channels() >= 1, "SAGE: num_layers and hidden_channels must be positive");
  return std::vector<int64_t>(o.num_layers() - 1, o.hidden_channels());
}

}  // namespace

SAGEImpl::SAGEImpl(int64_t num_nodes, const SAGEOptions& o)
    : ScalableGNNImpl(num_nodes, history_widths(o)), options(o) {
  auto conv_list = register_module("convs", torch::nn::ModuleList());
  for (int64_t l = 0; l < o.num_layers(); ++l) {
    convs.emplace_back(l == 0 ? o.in_channels() : o.hidden_channels(),
                       l == o.num_layers() - 1 ? o.out_channels() : o.hidden_channels());
    conv_list->push_back(convs.back());
  }
  if (o.batch_norm()) {
    auto bn_list = register_module("bns", torch::nn::ModuleList());
    for (int64_t l = 0; l + 1 < o.num_layers(); ++l) {
      bns.emplace_back(torch::nn::BatchNorm1dOptions(o.hidden_channels()));
      bn_list->push_back(bns.back());
    }
  }
}

at::Tensor SAGEImpl::forward_layer(int64_t layer, const at::Tensor& x, const CSR& adj, LayerState&) {
  check_layer(layer);
  return detail::stack_layer(convs, bns, options, layer, x, adj, is_training());
}

void SAGEImpl::reset_parameters() {
  ScalableGNNImpl::reset_parameters();
  for (auto& conv : convs) conv->reset_parameters();
  for (auto& bn : bns) bn->reset_parameters();
}

std::vector<at::Tensor> SAGEImpl::reg_parameters() {
  return detail::parameters_of(detail::all_but_last(convs), bns);
}

std::vector<at::Tensor> SAGEImpl::nonreg_parameters() { return detail::parameters_of(convs.back()); }

}  // namespace models
}  // namespace gas
