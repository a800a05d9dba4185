#include <gas/models/gcn2.h>

#include <gas/nn/functional.h>

#include "models/common.h"

namespace gas {
namespace models {

GCN2Impl::GCN2Impl(int64_t num_nodes, const GCN2Options& o)
    : Model(num_nodes, o.history_widths("GCN2"), o, /*sparse_input=*/true) {
  lin_in = register_module("lin_in", torch::nn::Linear(o.in_channels(), o.hidden_channels()));
  lin_out = register_module("lin_out", torch::nn::Linear(o.hidden_channels(), o.out_channels()));
  convs = detail::register_list<nn::GCN2Conv>(*this, "convs", o.num_layers(), [&](int64_t l) {
    return nn::GCN2Conv(
        nn::GCN2ConvOptions(o.hidden_channels(), o.alpha()).theta(o.theta()).layer(l + 1).shared_weights(
            o.shared_weights()));
  });
  if (o.batch_norm()) bns = detail::register_batch_norms(*this, o.num_layers(), o.hidden_channels());
  set_nonreg(lin_in, lin_out);
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

}  // namespace models
}  // namespace gas
