#include <gas/models/gin.h>

#include <gas/nn/functional.h>

#include "models/common.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/modulelist.h>

namespace gas {
namespace models {
namespace {

std::vector<int64_t> history_widths(const GINOptions& o) {
  TORCH_CHECK(o.num_layers() >= 1 && o.hidden_channels() >= 1, "GIN: num_layers and hidden_channels must be positive");
  return std::vector<int64_t>(o.num_layers() - 1, o.hidden_channels());
}

}  // namespace

GINImpl::GINImpl(int64_t num_nodes, const GINOptions& o) : ScalableGNNImpl(num_nodes, history_widths(o)), options(o) {
  const int64_t h = o.hidden_channels();
  lin_in = register_module("lin_in", torch::nn::Linear(o.in_channels(), h));
  lin_out = register_module("lin_out", torch::nn::Linear(h, o.out_channels()));
  auto list = register_module("convs", torch::nn::ModuleList());
  for (int64_t l = 0; l < o.num_layers(); ++l) {
    convs.emplace_back(torch::nn::Sequential(torch::nn::Linear(h, h), torch::nn::BatchNorm1d(h), torch::nn::ReLU(),
                                             torch::nn::Linear(h, h), torch::nn::ReLU()),
                       /*eps=*/0.0, o.train_eps());
    list->push_back(convs.back());
  }
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

void GINImpl::reset_parameters() {
  ScalableGNNImpl::reset_parameters();
  lin_in->reset_parameters();
  lin_out->reset_parameters();
  for (auto& conv : convs) conv->reset_parameters();
}

std::vector<at::Tensor> GINImpl::reg_parameters() { return detail::parameters_of(lin_in, convs); }

std::vector<at::Tensor> GINImpl::nonreg_parameters() { return detail::parameters_of(lin_out); }

}  // namespace models
}  // namespace gas
