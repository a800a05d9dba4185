#include <gas/models/pna.h>

#include <gas/nn/functional.h>

#include "models/common.h"

#include <ATen/ATen.h>
#include <torch/nn/modules/activation.h>

namespace gas {
namespace models {
namespace {

nn::PNAConvOptions conv_options(const PNAOptions& o, int64_t in, int64_t out) {
  return nn::PNAConvOptions(in, out, o.aggregators(), o.scalers(), o.degree()).towers(o.towers());
}

// Convolutions (and their batch norms) registered under "convs" / "bns"; with
// jumping knowledge every layer is hidden_channels wide and, with batch_norm,
// followed by a batch norm.
void build_layers(torch::nn::Module& self, const PNAOptions& o, bool jk, std::vector<nn::PNAConv>& convs,
                  std::vector<torch::nn::BatchNorm1d>& bns) {
  const int64_t L = o.num_layers();
  convs = detail::register_list<nn::PNAConv>(self, "convs", L, [&](int64_t l) {
    const int64_t in = (l == 0 && !jk) ? o.in_channels() : o.hidden_channels();
    const int64_t out = (l == L - 1 && !jk) ? o.out_channels() : o.hidden_channels();
    return nn::PNAConv(conv_options(o, in, out));
  });
  if (o.batch_norm()) bns = detail::register_batch_norms(self, jk ? L : L - 1, o.hidden_channels());
}

}  // namespace

PNAImpl::PNAImpl(int64_t num_nodes, const PNAOptions& o)
    : Model(num_nodes, o.history_widths("PNA"), o, /*sparse_input=*/false) {
  build_layers(*this, o, /*jk=*/false, convs, bns);
  set_nonreg(convs.back());
}

at::Tensor PNAImpl::forward_layer(int64_t layer, const at::Tensor& x, const CSR& adj, LayerState&) {
  check_layer(layer);
  return detail::stack_layer(convs, bns, options, layer, x, adj, is_training());
}

PNAJKImpl::PNAJKImpl(int64_t num_nodes, const PNAOptions& o)
    : Model(num_nodes, o.history_widths("PNA_JK"), o, /*sparse_input=*/false) {
  embed = register_module("embed", torch::nn::Sequential(torch::nn::Linear(o.in_channels(), o.hidden_channels())));
  if (o.batch_norm()) embed->push_back(torch::nn::BatchNorm1d(o.hidden_channels()));
  embed->push_back(torch::nn::ReLU());
  lin_out = register_module("lin_out", torch::nn::Linear((o.num_layers() + 1) * o.hidden_channels(), o.out_channels()));
  build_layers(*this, o, /*jk=*/true, convs, bns);
  set_nonreg(embed, lin_out);
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

}  // namespace models
}  // namespace gas
