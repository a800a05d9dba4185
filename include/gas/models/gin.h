#pragma once
/// \file
/// GIN (Xu et al. 2019) as a GAS model (after PyGAS's GIN).

#include <gas/nn/gin_conv.h>
#include <gas/scalable_gnn.h>

#include <torch/nn/modules/linear.h>

namespace gas {
namespace models {

struct GINOptions {
  GINOptions(int64_t in_channels, int64_t hidden_channels, int64_t out_channels, int64_t num_layers)
      : in_channels_(in_channels),
        hidden_channels_(hidden_channels),
        out_channels_(out_channels),
        num_layers_(num_layers) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, hidden_channels);
  TORCH_ARG(int64_t, out_channels);
  TORCH_ARG(int64_t, num_layers);
  TORCH_ARG(double, dropout) = 0.0;
  /// Add each layer's input to its output.
  TORCH_ARG(bool, residual) = false;
  /// Learn each layer's eps.
  TORCH_ARG(bool, train_eps) = true;
};

/// ReLU(Linear(x)) at layer 0, then num_layers GINConv layers whose MLP is
/// Linear, BatchNorm, ReLU, Linear, ReLU, and a final Linear. PyGAS's GIN
/// uses batch norm without running statistics, which makes evaluation depend
/// on how nodes are batched; this one keeps running statistics so that
/// layer-wise inference equals the full-graph forward. Everything takes the
/// regularised weight decay except the output Linear.
class GINImpl : public ScalableGNNImpl {
 public:
  GINImpl(int64_t num_nodes, const GINOptions& options);

  at::Tensor forward_layer(int64_t layer, const at::Tensor& x, const CSR& adj, LayerState& state) override;
  void reset_parameters() override;
  bool supports_sparse_input() const override { return true; }
  std::vector<at::Tensor> reg_parameters() override;
  std::vector<at::Tensor> nonreg_parameters() override;

  GINOptions options;
  torch::nn::Linear lin_in{nullptr}, lin_out{nullptr};
  std::vector<nn::GINConv> convs;
};
TORCH_MODULE(GIN);

}  // namespace models
}  // namespace gas
