#pragma once
/// \file
/// GAT as a GAS model (PyGAS's GAT).

#include <gas/nn/gat_conv.h>
#include <gas/scalable_gnn.h>

namespace gas {
namespace models {

struct GATOptions {
  GATOptions(int64_t in_channels, int64_t hidden_channels, int64_t out_channels, int64_t num_layers)
      : in_channels_(in_channels),
        hidden_channels_(hidden_channels),
        out_channels_(out_channels),
        num_layers_(num_layers) {}
  TORCH_ARG(int64_t, in_channels);
  /// Channels per head of the hidden layers.
  TORCH_ARG(int64_t, hidden_channels);
  TORCH_ARG(int64_t, out_channels);
  TORCH_ARG(int64_t, num_layers);
  TORCH_ARG(int64_t, hidden_heads) = 8;
  TORCH_ARG(int64_t, out_heads) = 1;
  /// On every layer's input and on the attention coefficients.
  TORCH_ARG(double, dropout) = 0.0;
};

/// Layer l: dropout, GATConv (hidden layers concatenate their heads, so
/// histories are hidden_channels * hidden_heads wide; the output layer
/// averages out_heads), ELU on hidden layers. All weights take the
/// regularised weight decay.
class GATImpl : public ScalableGNNImpl {
 public:
  GATImpl(int64_t num_nodes, const GATOptions& options);

  at::Tensor forward_layer(int64_t layer, const at::Tensor& x, const CSR& adj, LayerState& state) override;
  void reset_parameters() override;
  bool supports_sparse_input() const override { return true; }

  GATOptions options;
  std::vector<nn::GATConv> convs;
};
TORCH_MODULE(GAT);

}  // namespace models
}  // namespace gas
