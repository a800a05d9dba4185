#pragma once
/// \file
/// GCN (Kipf & Welling) as a GAS model, with PyGAS's options.

#include <gas/nn/gcn_conv.h>
#include <gas/scalable_gnn.h>

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>

namespace gas {
namespace models {

struct GCNOptions {
  GCNOptions(int64_t in_channels, int64_t hidden_channels, int64_t out_channels, int64_t num_layers)
      : in_channels_(in_channels),
        hidden_channels_(hidden_channels),
        out_channels_(out_channels),
        num_layers_(num_layers) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, hidden_channels);
  TORCH_ARG(int64_t, out_channels);
  TORCH_ARG(int64_t, num_layers);
  TORCH_ARG(double, dropout) = 0.0;
  /// Apply dropout to the input features too.
  TORCH_ARG(bool, drop_input) = true;
  /// Batch normalisation after each hidden convolution.
  TORCH_ARG(bool, batch_norm) = false;
  /// Add the layer input to its output where the widths agree.
  TORCH_ARG(bool, residual) = false;
  /// Linear input and output layers around num_layers hidden-width convolutions.
  TORCH_ARG(bool, linear) = false;
};

/// Layer l: dropout, GCNConv, then (for hidden layers) batch norm, residual
/// and ReLU. The first convolutions take the regularised weight decay, the
/// last one (or the output Linear with `linear`) the non-regularised one,
/// as in the GAS paper.
class GCNImpl : public ScalableGNNImpl {
 public:
  GCNImpl(int64_t num_nodes, const GCNOptions& options);

  at::Tensor forward_layer(int64_t layer, const at::Tensor& x, const CSR& adj, LayerState& state) override;
  void reset_parameters() override;
  bool supports_sparse_input() const override { return true; }
  std::vector<at::Tensor> reg_parameters() override;
  std::vector<at::Tensor> nonreg_parameters() override;

  GCNOptions options;
  std::vector<nn::GCNConv> convs;
  std::vector<torch::nn::BatchNorm1d> bns;  ///< with batch_norm only
  std::vector<torch::nn::Linear> lins;      ///< input and output layer with `linear`
};
TORCH_MODULE(GCN);

}  // namespace models
}  // namespace gas
