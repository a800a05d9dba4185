#include <gas/models/gcn.h>

#include <gas/nn/functional.h>
#include <gas/sparse_features.h>

#include "models/common.h"

#include <ATen/ATen.h>

namespace gas {
namespace models {

GCNImpl::GCNImpl(int64_t num_nodes, const GCNOptions& o)
    : Model(num_nodes, o.history_widths("GCN"), o, /*sparse_input=*/true) {
  const int64_t L = o.num_layers(), hidden = o.hidden_channels();
  convs = detail::register_list<nn::GCNConv>(*this, "convs", L, [&](int64_t l) {
    const int64_t in = (l == 0 && !o.linear()) ? o.in_channels() : hidden;
    const int64_t out = (l == L - 1 && !o.linear()) ? o.out_channels() : hidden;
    return nn::GCNConv(in, out);
  });
  if (o.batch_norm()) bns = detail::register_batch_norms(*this, o.linear() ? L : L - 1, hidden);
  if (o.linear()) {
    lins = detail::register_list<torch::nn::Linear>(*this, "lins", 2, [&](int64_t i) {
      return torch::nn::Linear(i == 0 ? o.in_channels() : hidden, i == 0 ? hidden : o.out_channels());
    });
    set_nonreg(lins);
  } else {
    set_nonreg(convs.back());
  }
}

at::Tensor GCNImpl::forward_layer(int64_t layer, const at::Tensor& x, const CSR& adj, LayerState& state) {
  check_layer(layer);
  const double p = options.dropout();
  const bool last = layer == options.num_layers() - 1;
  const double drop = (layer > 0 || options.drop_input()) ? p : 0.0;
  const bool fused = fuses_input_dropout(layer);
  at::Tensor h = fused ? x : nn::dropout(x, drop, is_training());
  if (layer == 0 && options.linear())
    h = nn::dropout(nn::linear(h, lins[0]->weight, lins[0]->bias).relu(), p, is_training());

  // Layer 0 of a batch from forward_rows: x is the whole input, its rows
  // the state's (fused is then true: reads_input_rows).
  const at::Tensor rows = layer == 0 && state.has(kInputRows) ? state.get(kInputRows) : at::Tensor();
  at::Tensor out = convs[layer]->forward(h, adj, fused ? drop : 0.0, rows);
  if (!last || options.linear()) {
    out = detail::hidden_activation(out, h, bns, layer, options.residual());
  }
  if (last && options.linear()) out = lins[1]->forward(nn::dropout(out, p, is_training()));
  return out;
}

}  // namespace models
}  // namespace gas
