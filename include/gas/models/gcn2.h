#pragma once
/// \file
/// GCNII (Chen et al. 2020) as a GAS model (PyGAS's GCN2).

#include <gas/nn/gcn2_conv.h>
#include <gas/scalable_gnn.h>

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/linear.h>

namespace gas {
namespace models {

struct GCN2Options {
  GCN2Options(int64_t in_channels, int64_t hidden_channels, int64_t out_channels, int64_t num_layers, double alpha,
              double theta)
      : in_channels_(in_channels),
        hidden_channels_(hidden_channels),
        out_channels_(out_channels),
        num_layers_(num_layers),
        alpha_(alpha),
        theta_(theta) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, hidden_channels);
  TORCH_ARG(int64_t, out_channels);
  TORCH_ARG(int64_t, num_layers);
  TORCH_ARG(double, alpha);
  TORCH_ARG(double, theta);
  TORCH_ARG(bool, shared_weights) = true;
  TORCH_ARG(double, dropout) = 0.0;
  TORCH_ARG(bool, drop_input) = true;
  TORCH_ARG(bool, batch_norm) = false;
  TORCH_ARG(bool, residual) = false;
};

/// x0 = ReLU(Linear(x)) on every input row at layer 0 (its in-batch rows are
/// kept in the batch state), then num_layers GCN2Conv layers mixing in x0,
/// each followed by batch norm, residual and ReLU, and a final Linear.
/// Convolutions and batch norms take the regularised weight decay, the two
/// Linear layers the other.
class GCN2Impl : public ScalableGNNImpl {
 public:
  GCN2Impl(int64_t num_nodes, const GCN2Options& options);

  at::Tensor forward_layer(int64_t layer, const at::Tensor& x, const CSR& adj, LayerState& state) override;
  void reset_parameters() override;
  bool supports_sparse_input() const override { return true; }
  std::vector<at::Tensor> reg_parameters() override;
  std::vector<at::Tensor> nonreg_parameters() override;

  GCN2Options options;
  torch::nn::Linear lin_in{nullptr}, lin_out{nullptr};
  std::vector<nn::GCN2Conv> convs;
  std::vector<torch::nn::BatchNorm1d> bns;  ///< with batch_norm only
};
TORCH_MODULE(GCN2);

}  // namespace models
}  // namespace gas
