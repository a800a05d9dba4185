#pragma once
/// \file
/// GAT as a GAS model (PyGAS's GAT).

#include <gas/macros.h>
#include <gas/nn/gat_conv.h>
#include <gas/models/model.h>
#include <gas/models/options.h>

namespace gas {
namespace models {

/// hidden_channels are per head; dropout applies to every layer's input and
/// to the attention coefficients.
struct GAS_API GATOptions : ModelOptions<GATOptions> {
  using ModelOptions::ModelOptions;
  TORCH_ARG(int64_t, hidden_heads) = 8;
  TORCH_ARG(int64_t, out_heads) = 1;
};

/// Layer l: dropout, GATConv (hidden layers concatenate their heads, so
/// histories are hidden_channels * hidden_heads wide; the output layer
/// averages out_heads), ELU on hidden layers. All weights take the
/// regularised weight decay.
class GAS_API GATImpl : public Model<GATOptions> {
 public:
  GATImpl(int64_t num_nodes, const GATOptions& options);

  at::Tensor forward_layer(int64_t layer, const at::Tensor& x, const CSR& adj, LayerState& state) override;

  std::vector<nn::GATConv> convs;
};
TORCH_MODULE(GAT);

}  // namespace models
}  // namespace gas
