#include <gas/models/pna.h>

#include <gas/nn/functional.h>
#include <gas/nn/init.h>

#include "models/common.h"

#include <ATen/ATen.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/modulelist.h>

namespace gas {
namespace models {
namespace {

std::vector<int64_t> history_widths(const PNAOptions& o) {
  TORCH_CHECK(o.num_layers() >= 1 && o.hidden_channels() >= 1, "PNA: num_layers and hidden_channels must be positive");
  return std::vector<int64_t>(o.num_layers() - 1, o.hidden_channels());
}

nn::PNAConvOptions conv_options(const PNAOptions& o, int64_t in, int64_t out) {
  return nn::PNAConvOptions(in, out, o.aggregators(), o.scalers(), o.degree()).towers(o.towers());
}

// Convolutions (and their batch norms) registered under "convs" / "bns".
void build_layers(torch::nn::Module& self, const PNAOptions& o, bool jk, std::vector<nn::PNAConv>& convs,
                  std::vector<torch::nn::BatchNorm1d>& bns) {
  auto conv_list = self.register_module("convs", torch::nn::ModuleList());
  for (int64_t l = 0; l < o.num_layers(); ++l) {
    const int64_t in = (l == 0 && !jk) ? o.in_channels() : o.hidden_channels();
    const int64_t out = (l == o.num_layers() - 1 && !jk) ? o.out_channels() : o.hidden_channels();
    convs.emplace_back(conv_options(o, in, out));
    conv_list->push_back(convs.back());
  }
  if (o.batch_norm()) {
    auto bn_list = self.register_module("bns", torch::nn::ModuleList());
    for (int64_t l = 0; l < (jk ? o.num_layers() : o.num_layers() - 1); ++l) {
      bns.emplace_back(torch::nn::BatchNorm1dOptions(o.hidden_channels()));
      bn_list->push_back(bns.back());
    }
  }
}

}  // namespace

PNAImpl::PNAImpl(int64_t num_nodes, const PNAOptions& o) : ScalableGNNImpl(num_nodes, history_widths(o)), options(o) {
  build_layers(*this, o, /*jk=*/false, convs, bns);
}

at::Tensor PNAImpl::forward_layer(int64_t layer, const at::Tensor& x, const CSR& adj, LayerState&) {
  check_layer(layer);
  return detail::stack_layer(convs, bns, options, layer, x, adj, is_training());
}

void PNAImpl::reset_parameters() {
  ScalableGNNImpl::reset_parameters();
  for (auto& conv : convs) conv->reset_parameters();
  for (auto& bn : bns) bn->reset_parameters();
}

std::vector<at::Tensor> PNAImpl::reg_parameters() {
  return detail::parameters_of(detail::all_but_last(convs), bns);
}

std::vector<at::Tensor> PNAImpl::nonreg_parameters() { return detail::parameters_of(convs.back()); }

PNAJKImpl::PNAJKImpl(int64_t num_nodes, const PNAOptions& o)
    : ScalableGNNImpl(num_nodes, history_widths(o)), options(o) {
  embed = register_module("embed", torch::nn::Sequential(torch::nn::Linear(o.in_channels(), o.hidden_channels())));
  if (o.batch_norm()) embed->push_back(torch::nn::BatchNorm1d(o.hidden_channels()));
  embed->push_back(torch::nn::ReLU());
  lin_out = register_module("lin_out", torch::nn::Linear((o.num_layers() + 1) * o.hidden_channels(), o.out_channels()));
  build_layers(*this, o, /*jk=*/true, convs, bns);
}

at::Tensor PNAJKImpl::forward_layer(int64_t layer, const at::Tensor& x, const CSR& adj, LayerState& state) {
  check_layer(layer);
  const double p = options.dropout();
  at::Tensor h = x;
  if (layer == 0) {
    if (options.drop_input()) h = nn::dropout(h, p, is_training());
    h = embed->forward(h);
    state.set("jk", h.narrow(0, 0, adj.num_rows));
  } else {
    h = nn::dropout(h, p, is_training());
  }
  at::Tensor out = convs[layer]->forward(h, adj);
  out = detail::hidden_activation(out, h, bns, layer, options.residual());
  const at::Tensor jk = at::cat({state.get("jk"), out}, 1);
  if (layer + 1 < options.num_layers()) {
    state.set("jk", jk);
    return out;
  }
  return lin_out(nn::dropout(jk, p, is_training()));
}

void PNAJKImpl::reset_parameters() {
  ScalableGNNImpl::reset_parameters();
  nn::reset_descendants(*embed);
  lin_out->reset_parameters();
  for (auto& conv : convs) conv->reset_parameters();
  for (auto& bn : bns) bn->reset_parameters();
}

std::vector<at::Tensor> PNAJKImpl::reg_parameters() { return detail::parameters_of(convs, bns); }

std::vector<at::Tensor> PNAJKImpl::nonreg_parameters() { return detail::parameters_of(embed, lin_out); }

}  // namespace models
}  // namespace gas
