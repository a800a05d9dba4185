#include <gas/models/sage.h>

#include "models/common.h"

namespace gas {
namespace models {

SAGEImpl::SAGEImpl(int64_t num_nodes, const SAGEOptions& o)
    : Model(num_nodes, o.history_widths("SAGE"), o, /*sparse_input=*/false) {
  const int64_t L = o.num_layers();
  convs = detail::register_list<nn::SAGEConv>(*this, "convs", L, [&](int64_t l) {
    return nn::SAGEConv(l == 0 ? o.in_channels() : o.hidden_channels(),
                        l == L - 1 ? o.out_channels() : o.hidden_channels());
  });
  if (o.batch_norm()) bns = detail::register_batch_norms(*this, L - 1, o.hidden_channels());
  set_nonreg(convs.back());
}

at::Tensor SAGEImpl::forward_layer(int64_t layer, const at::Tensor& x, const CSR& adj, LayerState&) {
  check_layer(layer);
  return detail::stack_layer(convs, bns, options, layer, x, adj, is_training());
}

}  // namespace models
}  // namespace gas
