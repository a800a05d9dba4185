#include <gas/models/appnp.h>

#include <gas/nn/functional.h>
#include <gas/ops/spmm.h>

namespace gas {
namespace models {
namespace {

// The histories hold class scores: out_channels wide.
std::vector<int64_t> history_widths(const APPNPOptions& o) {
  TORCH_CHECK(o.alpha() >= 0 && o.alpha() <= 1, "APPNP: alpha must be in [0, 1], got ", o.alpha());
  return o.history_widths("APPNP", o.out_channels());
}

}  // namespace

APPNPImpl::APPNPImpl(int64_t num_nodes, const APPNPOptions& o)
    : Model(num_nodes, history_widths(o), o, /*sparse_input=*/true) {
  lin1 = register_module("lin1", torch::nn::Linear(o.in_channels(), o.hidden_channels()));
  lin2 = register_module("lin2", torch::nn::Linear(o.hidden_channels(), o.out_channels()));
  set_nonreg(lin2);
}

at::Tensor APPNPImpl::forward_layer(int64_t layer, const at::Tensor& x, const CSR& adj, LayerState& state) {
  check_layer(layer);
  at::Tensor h = x;
  if (layer == 0) {
    const double p = options.dropout();
    h = nn::dropout(nn::linear(nn::dropout(h, p, is_training()), lin1->weight, lin1->bias).relu(), p, is_training());
    h = lin2(h);
    state.set("h0", h.narrow(0, 0, adj.num_rows));
  }
  const double alpha = options.alpha();
  return (1.0 - alpha) * ops::spmm(adj, h) + alpha * state.get("h0");
}

}  // namespace models
}  // namespace gas
