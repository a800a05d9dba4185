#include <gas/models/gcn2.h>

#include <gas/nn/functional.h>

#include "models/common.h"

#include <torch/nn/modules/container/modulelist.h>

namespace gas {
namespace models {
namespace {

std::vector<int64_t> history_widths(const GCN2Options& o) {
  TORCH_CHECK(o.num_layers() >= 1 && o.hidden_channels() >= 1, "GCN2: num_layers and hidden_channels must be positive");
  return std::vector<int64_t>(o.num_layers() - 1, o.hidden_channels());
}

}  // namespace

GCN2Impl::GCN2Impl(int64_t num_nodes, const GCN2Options& o)
    : ScalableGNNImpl(num_nodes, history_widths(o)), options(o) {
  lin_in = register_module("lin_in", torch::nn::Linear(o.in_channels(), o.hidden_channels()));
  lin_out = register_module("lin_out", torch::nn::Linear(o.hidden_channels(), o.out_channels()));
  auto conv_list = register_module("convs", torch::nn::ModuleList());
  for (int64_t l = 0; l < o.num_layers(); ++l) {
    convs.emplace_back(nn::GCN2ConvOptions(o.hidden_channels(), o.alpha())
                           .theta(o.theta())
                           .layer(l + 1)
                           .shared_weights(o.shared_weights()));
    conv_list->push_back(convs.back());
  }
  if (o.batch_norm()) {
    auto bn_list = register_module("bns", torch::nn::ModuleList());
    for (int64_t l = 0; l < o.num_layers(); ++l) {
      bns.emplace_back(torch::nn::BatchNorm1dOptions(o.hidden_channels()));
      bn_list->push_back(bns.back());
    }
  }
}

at::Tensor GCN2Impl::forward_layer(int64_t layer, const at::Tensor& x, const CSR& adj, LayerState& state) {
  check_layer(layer);
  const double p = options.dropout();
  at::Tensor h = x;
  if (layer == 0) {
    if (options.drop_input()) h = nn::dropout(h, p, is_training());
    h = nn::linear(h, lin_in->weight, lin_in->bias).relu();
    state.set("x0", h.narrow(0, 0, adj.num_rows));
  }
  h = nn::dropout(h, p, is_training());
  at::Tensor out = convs[layer]->forward(h, state.get("x0"), adj);
  out = detail::hidden_activation(out, h, bns, layer, options.residual());
  if (layer + 1 == options.num_layers()) out = lin_out(nn::dropout(out, p, is_training()));
  return out;
}

void GCN2Impl::reset_parameters() {
  ScalableGNNImpl::reset_parameters();
  lin_in->reset_parameters();
  lin_out->reset_parameters();
  for (auto& conv : convs) conv->reset_parameters();
  for (auto& bn : bns) bn->reset_parameters();
}

std::vector<at::Tensor> GCN2Impl::reg_parameters() { return detail::parameters_of(convs, bns); }

std::vector<at::Tensor> GCN2Impl::nonreg_parameters() { return detail::parameters_of(lin_in, lin_out); }

}  // namespace models
}  // namespace gas
