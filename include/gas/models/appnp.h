#pragma once
/// \file
/// APPNP (Klicpera et al. 2019) as a GAS model (PyGAS's APPNP).

#include <gas/scalable_gnn.h>

#include <torch/nn/modules/linear.h>

namespace gas {
namespace models {

struct APPNPOptions {
  APPNPOptions(int64_t in_channels, int64_t hidden_channels, int64_t out_channels, int64_t num_layers, double alpha)
      : in_channels_(in_channels),
        hidden_channels_(hidden_channels),
        out_channels_(out_channels),
        num_layers_(num_layers),
        alpha_(alpha) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, hidden_channels);
  TORCH_ARG(int64_t, out_channels);
  /// Propagation steps K; each is a layer with a history of its own.
  TORCH_ARG(int64_t, num_layers);
  /// Teleport probability.
  TORCH_ARG(double, alpha);
  TORCH_ARG(double, dropout) = 0.0;
};

/// Layer 0 first predicts with a two-layer MLP on every input row
/// (h0 = MLP(x)), keeping the in-batch rows of h0 in the batch state; every
/// layer then propagates h <- (1 - alpha) A h + alpha h0. The histories are
/// out_channels wide (the class count), not hidden_channels. The first MLP
/// layer takes the regularised weight decay, the second the other.
class APPNPImpl : public ScalableGNNImpl {
 public:
  APPNPImpl(int64_t num_nodes, const APPNPOptions& options);

  at::Tensor forward_layer(int64_t layer, const at::Tensor& x, const CSR& adj, LayerState& state) override;
  void reset_parameters() override;
  bool supports_sparse_input() const override { return true; }
  std::vector<at::Tensor> reg_parameters() override;
  std::vector<at::Tensor> nonreg_parameters() override;

  APPNPOptions options;
  torch::nn::Linear lin1{nullptr}, lin2{nullptr};
};
TORCH_MODULE(APPNP);

}  // namespace models
}  // namespace gas
