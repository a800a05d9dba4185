#include <gas/models/gat.h>

#include <gas/nn/functional.h>

#include "models/common.h"

#include <ATen/ATen.h>

namespace gas {
namespace models {
namespace {

// Hidden layers concatenate their heads.
std::vector<int64_t> history_widths(const GATOptions& o) {
  detail::check_positive("GAT", "hidden_heads", o.hidden_heads());
  detail::check_positive("GAT", "out_heads", o.out_heads());
  return o.history_widths("GAT", o.hidden_channels() * o.hidden_heads());
}

}  // namespace

GATImpl::GATImpl(int64_t num_nodes, const GATOptions& o)
    : Model(num_nodes, history_widths(o), o, /*sparse_input=*/true) {
  const int64_t hidden = o.hidden_channels() * o.hidden_heads();
  convs = detail::register_list<nn::GATConv>(*this, "convs", o.num_layers(), [&](int64_t l) {
    const bool last = l == o.num_layers() - 1;
    return nn::GATConv(
        nn::GATConvOptions(l == 0 ? o.in_channels() : hidden, last ? o.out_channels() : o.hidden_channels())
            .heads(last ? o.out_heads() : o.hidden_heads())
            .concat(!last)
            .dropout(o.dropout()));
  });
}

at::Tensor GATImpl::forward_layer(int64_t layer, const at::Tensor& x, const CSR& adj, LayerState&) {
  check_layer(layer);
  const at::Tensor h = convs[layer]->forward(nn::dropout(x, options.dropout(), is_training()), adj);
  return layer + 1 < options.num_layers() ? at::elu(h) : h;
}

}  // namespace models
}  // namespace gas
