#pragma once
/// \file
/// GraphSAGE (mean aggregator) as a GAS model.

#include <gas/nn/sage_conv.h>
#include <gas/scalable_gnn.h>

#include <torch/nn/modules/batchnorm.h>

namespace gas {
namespace models {

struct SAGEOptions {
  SAGEOptions(int64_t in_channels, int64_t hidden_channels, int64_t out_channels, int64_t num_layers)
      : in_channels_(in_channels),
        hidden_channels_(hidden_channels),
        out_channels_(out_channels),
        num_layers_(num_layers) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, hidden_channels);
  TORCH_ARG(int64_t, out_channels);
  TORCH_ARG(int64_t, num_layers);
  TORCH_ARG(double, dropout) = 0.0;
  TORCH_ARG(bool, drop_input) = true;
  TORCH_ARG(bool, batch_norm) = false;
  TORCH_ARG(bool, residual) = false;
};

/// Layer l: dropout, SAGEConv, then (hidden layers) batch norm, residual
/// where widths agree, ReLU. The last convolution takes the non-regularised
/// weight decay.
class SAGEImpl : public ScalableGNNImpl {
 public:
  SAGEImpl(int64_t num_nodes, const SAGEOptions& options);

  at::Tensor forward_layer(int64_t layer, const at::Tensor& x, const CSR& adj, LayerState& state) override;
  void reset_parameters() override;
  std::vector<at::Tensor> reg_parameters() override;
  std::vector<at::Tensor> nonreg_parameters() override;

  SAGEOptions options;
  std::vector<nn::SAGEConv> convs;
  std::vector<torch::nn::BatchNorm1d> bns;  ///< with batch_norm only
};
TORCH_MODULE(SAGE);

}  // namespace models
}  // namespace gas
