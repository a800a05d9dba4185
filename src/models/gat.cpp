#include <gas/models/gat.h>

#include <gas/nn/functional.h>

#include <ATen/ATen.h>
#include <torch/nn/modules/container/modulelist.h>

namespace gas {
namespace models {
namespace {

std::vector<int64_t> history_widths(const GATOptions& o) {
  TORCH_CHECK(o.num_layers() >= 1 && o.hidden_channels() >= 1 && o.hidden_heads() >= 1 && o.out_heads() >= 1,
              "GAT: num_layers, hidden_channels, hidden_heads and out_heads must be positive");
  return std::vector<int64_t>(o.num_layers() - 1, o.hidden_channels() * o.hidden_heads());
}

}  // namespace

GATImpl::GATImpl(int64_t num_nodes, const GATOptions& o) : ScalableGNNImpl(num_nodes, history_widths(o)), options(o) {
  auto list = register_module("convs", torch::nn::ModuleList());
  const int64_t hidden = o.hidden_channels() * o.hidden_heads();
  for (int64_t l = 0; l < o.num_layers(); ++l) {
    const bool last = l == o.num_layers() - 1;
    convs.emplace_back(
        nn::GATConvOptions(l == 0 ? o.in_channels() : hidden, last ? o.out_channels() : o.hidden_channels())
            .heads(last ? o.out_heads() : o.hidden_heads())
            .concat(!last)
            .dropout(o.dropout()));
    list->push_back(convs.back());
  }
}

at::Tensor GATImpl::forward_layer(int64_t layer, const at::Tensor& x, const CSR& adj, LayerState&) {
  check_layer(layer);
  const at::Tensor h = convs[layer]->forward(nn::dropout(x, options.dropout(), is_training()), adj);
  return layer + 1 < options.num_layers() ? at::elu(h) : h;
}

void GATImpl::reset_parameters() {
  ScalableGNNImpl::reset_parameters();
  for (auto& conv : convs) conv->reset_parameters();
}

}  // namespace models
}  // namespace gas
