#pragma once
/// \file
/// GCNII's convolution (Chen et al. 2020): initial residual and identity mapping.

#include <gas/compat.h>
#include <gas/graph.h>
#include <gas/macros.h>
#include <gas/nn/init.h>

#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>

namespace gas {
namespace nn {

struct GAS_API GCN2ConvOptions {
  GCN2ConvOptions(int64_t channels, double alpha) : channels_(channels), alpha_(alpha) {}
  TORCH_ARG(int64_t, channels);
  /// Weight of the initial representation x0.
  TORCH_ARG(double, alpha);
  /// Identity-mapping strength: beta = log(theta / layer + 1). Unset: beta = 1.
  TORCH_ARG(gas::optional<double>, theta) = gas::nullopt;
  /// 1-based depth of this layer, for beta.
  TORCH_ARG(int64_t, layer) = 1;
  /// One weight for A x and x0 together, or a separate one for x0.
  TORCH_ARG(bool, shared_weights) = true;
};

/// With h = (1 - alpha) A x and r = alpha x0 (x0 restricted to the target rows):
///   shared:   out = (1 - beta) (h + r) + beta (h + r) W1
///   separate: out = (1 - beta) h + beta h W1 + (1 - beta) r + beta r W2
/// A's values hold the (precomputed) normalisation. No bias.
class GAS_API GCN2ConvImpl : public torch::nn::Cloneable<GCN2ConvImpl>, public Resettable {
 public:
  explicit GCN2ConvImpl(const GCN2ConvOptions& options);

  void reset() override;
  void reset_parameters() override;
  /// x: [M, channels] (in-batch rows first), x0: [>= R, channels].
  at::Tensor forward(const at::Tensor& x, const at::Tensor& x0, const CSR& adj);

  double beta() const;

  GCN2ConvOptions options;
  at::Tensor weight1;  ///< [channels, channels]
  at::Tensor weight2;  ///< [channels, channels], undefined with shared weights
};
TORCH_MODULE(GCN2Conv);

}  // namespace nn
}  // namespace gas
