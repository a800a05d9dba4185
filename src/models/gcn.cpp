#include <gas/models/gcn.h>

#include <gas/nn/functional.h>
#include <gas/sparse_features.h>

#include "models/common.h"

#include <ATen/ATen.h>

namespace gas {
namespace models {
namespace {

std::vector<int64_t> history_widths(const GCNOptions& o) {
  TORCH_CHECK(o.num_layers() >= 1, "GCN: num_layers must be at least 1, got ", o.num_layers());
  TORCH_CHECK(o.hidden_channels() >= 1, "GCN: hidden_channels must be positive, got ", o.hidden_channels());
  return std::vector<int64_t>(o.num_layers() - 1, o.hidden_channels());
}

}  // namespace

GCNImpl::GCNImpl(int64_t num_nodes, const GCNOptions& o) : ScalableGNNImpl(num_nodes, history_widths(o)), options(o) {
  TORCH_CHECK(o.dropout() >= 0.0 && o.dropout() < 1.0, "GCN: dropout must be in [0, 1), got ", o.dropout());
  const int64_t L = o.num_layers(), hidden = o.hidden_channels();
  auto conv_list = register_module("convs", torch::nn::ModuleList());
  for (int64_t l = 0; l < L; ++l) {
    const int64_t in = (l == 0 && !o.linear()) ? o.in_channels() : hidden;
    const int64_t out = (l == L - 1 && !o.linear()) ? o.out_channels() : hidden;
    convs.emplace_back(in, out);
    conv_list->push_back(convs.back());
  }
  if (o.batch_norm()) {
    auto bn_list = register_module("bns", torch::nn::ModuleList());
    for (int64_t l = 0; l < (o.linear() ? L : L - 1); ++l) {
      bns.emplace_back(torch::nn::BatchNorm1dOptions(hidden));
      bn_list->push_back(bns.back());
    }
  }
  if (o.linear()) {
    auto lin_list = register_module("lins", torch::nn::ModuleList());
    lins.emplace_back(torch::nn::LinearOptions(o.in_channels(), hidden));
    lins.emplace_back(torch::nn::LinearOptions(hidden, o.out_channels()));
    for (auto& lin : lins) lin_list->push_back(lin);
  }
}

at::Tensor GCNImpl::forward_layer(int64_t layer, const at::Tensor& x, const CSR& adj, LayerState&) {
  check_layer(layer);
  const double p = options.dropout();
  const bool last = layer == options.num_layers() - 1;
  at::Tensor h = x;
  if (layer > 0 || options.drop_input()) h = nn::dropout(h, p, is_training());
  if (layer == 0 && options.linear())
    h = nn::dropout(nn::linear(h, lins[0]->weight, lins[0]->bias).relu(), p, is_training());

  at::Tensor out = convs[layer]->forward(h, adj);
  if (!last || options.linear()) {
    out = detail::hidden_activation(out, h, bns, layer, options.residual());
  }
  if (last && options.linear()) out = lins[1]->forward(nn::dropout(out, p, is_training()));
  return out;
}

void GCNImpl::reset_parameters() {
  ScalableGNNImpl::reset_parameters();
  for (auto& conv : convs) conv->reset_parameters();
  for (auto& bn : bns) bn->reset_parameters();
  for (auto& lin : lins) lin->reset_parameters();
}

std::vector<at::Tensor> GCNImpl::reg_parameters() {
  if (options.linear()) return detail::parameters_of(convs, bns);
  return detail::parameters_of(detail::all_but_last(convs), bns);
}

std::vector<at::Tensor> GCNImpl::nonreg_parameters() {
  return options.linear() ? detail::parameters_of(lins) : detail::parameters_of(convs.back());
}

}  // namespace models
}  // namespace gas
