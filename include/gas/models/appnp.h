#pragma once
/// \file
/// APPNP (Klicpera et al. 2019) as a GAS model (PyGAS's APPNP).

#include <gas/macros.h>
#include <gas/models/model.h>
#include <gas/models/options.h>

#include <torch/nn/modules/linear.h>

namespace gas {
namespace models {

/// num_layers is the number of propagation steps K; each is a layer with a
/// history of its own.
struct GAS_API APPNPOptions : ModelOptions<APPNPOptions> {
  APPNPOptions(int64_t in_channels, int64_t hidden_channels, int64_t out_channels, int64_t num_layers, double alpha)
      : ModelOptions(in_channels, hidden_channels, out_channels, num_layers), alpha_(alpha) {}
  /// Teleport probability.
  TORCH_ARG(double, alpha);
};

/// Layer 0 first predicts with a two-layer MLP on every input row
/// (h0 = MLP(x)), keeping the in-batch rows of h0 in the batch state; every
/// layer then propagates h <- (1 - alpha) A h + alpha h0. The histories are
/// out_channels wide (the class count), not hidden_channels. The first MLP
/// layer takes the regularised weight decay, the second the other.
class GAS_API APPNPImpl : public Model<APPNPOptions> {
 public:
  APPNPImpl(int64_t num_nodes, const APPNPOptions& options);

  at::Tensor forward_layer(int64_t layer, const at::Tensor& x, const CSR& adj, LayerState& state) override;

  torch::nn::Linear lin1{nullptr}, lin2{nullptr};
};
TORCH_MODULE(APPNP);

}  // namespace models
}  // namespace gas
