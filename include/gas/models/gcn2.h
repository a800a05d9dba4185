#pragma once
/// \file
/// GCNII (Chen et al. 2020) as a GAS model (PyGAS's GCN2).

#include <gas/macros.h>
#include <gas/nn/gcn2_conv.h>
#include <gas/models/model.h>
#include <gas/models/options.h>

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/linear.h>

namespace gas {
namespace models {

struct GAS_API GCN2Options : StackOptions<GCN2Options> {
  GCN2Options(int64_t in_channels, int64_t hidden_channels, int64_t out_channels, int64_t num_layers, double alpha,
              double theta)
      : StackOptions(in_channels, hidden_channels, out_channels, num_layers), alpha_(alpha), theta_(theta) {}
  /// Strength of the initial residual (the share of x0 mixed in).
  TORCH_ARG(double, alpha);
  /// Identity mapping: layer l's weight is mixed in with beta = log(theta / l + 1).
  TORCH_ARG(double, theta);
  TORCH_ARG(bool, shared_weights) = true;
};

/// x0 = ReLU(Linear(x)) on every input row at layer 0 (its in-batch rows are
/// kept in the batch state), then num_layers GCN2Conv layers mixing in x0,
/// each followed by batch norm, residual and ReLU, and a final Linear.
/// Convolutions and batch norms take the regularised weight decay, the two
/// Linear layers the other.
class GAS_API GCN2Impl : public Model<GCN2Options> {
 public:
  GCN2Impl(int64_t num_nodes, const GCN2Options& options);

  at::Tensor forward_layer(int64_t layer, const at::Tensor& x, const CSR& adj, LayerState& state) override;

  torch::nn::Linear lin_in{nullptr}, lin_out{nullptr};
  std::vector<nn::GCN2Conv> convs;
  std::vector<torch::nn::BatchNorm1d> bns;  ///< with batch_norm only
};
TORCH_MODULE(GCN2);

}  // namespace models
}  // namespace gas
