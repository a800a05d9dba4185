#include <gas/models/gin.h>

#include <gas/nn/functional.h>

#include "models/common.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>

namespace gas {
namespace models {

GINImpl::GINImpl(int64_t num_nodes, const GINOptions& o)
    : Model(num_nodes, o.history_widths("GIN"), o, /*sparse_input=*/true) {
  const int64_t h = o.hidden_channels();
  lin_in = register_module("lin_in", torch::nn::Linear(o.in_channels(), h));
  lin_out = register_module("lin_out", torch::nn::Linear(h, o.out_channels()));
  convs = detail::register_list<nn::GINConv>(*this, "convs", o.num_layers(), [&](int64_t) {
    return nn::GINConv(torch::nn::Sequential(torch::nn::Linear(h, h), torch::nn::BatchNorm1d(h), torch::nn::ReLU(),
                                             torch::nn::Linear(h, h), torch::nn::ReLU()),
                       /*eps=*/0.0, o.train_eps());
  });
  set_nonreg(lin_out);
}

at::Tensor GINImpl::forward_layer(int64_t layer, const at::Tensor& x, const CSR& adj, LayerState&) {
  check_layer(layer);
  const double p = options.dropout();
  const at::Tensor h =
      layer == 0 ? nn::linear(x, lin_in->weight, lin_in->bias).relu() : nn::dropout(x, p, is_training());
  at::Tensor out = convs[layer]->forward(h, adj);
  if (options.residual()) out = out + h.narrow(0, 0, out.size(0));
  if (layer + 1 == options.num_layers()) out = lin_out(nn::dropout(out, p, is_training()));
  return out;
}

}  // namespace models
}  // namespace gas
