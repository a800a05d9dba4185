#pragma once
/// \file
/// Graph convolution of Kipf & Welling on a pre-normalised adjacency.

#include <gas/graph.h>
#include <gas/macros.h>
#include <gas/nn/init.h>

#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>

namespace gas {
namespace nn {

struct GAS_API GCNConvOptions {
  GCNConvOptions(int64_t in_channels, int64_t out_channels) : in_channels_(in_channels), out_channels_(out_channels) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, out_channels);
  TORCH_ARG(bool, bias) = true;
};

/// out = A (x W) + b, where A's values already hold the normalisation
/// (gcn_norm computed once on the full graph, before partitioning, as GAS
/// requires: a batch's rows then see the same weights as in the full graph).
/// Weight: Glorot-uniform; bias: zeros (PyG's initialisation).
class GAS_API GCNConvImpl : public torch::nn::Cloneable<GCNConvImpl>, public Resettable {
 public:
  GCNConvImpl(int64_t in_channels, int64_t out_channels) : GCNConvImpl(GCNConvOptions(in_channels, out_channels)) {}
  explicit GCNConvImpl(const GCNConvOptions& options);

  void reset() override;
  void reset_parameters() override;
  /// `input_dropout`: dropout applied to x first (in training), fused into
  /// the product when x is transformed first (nn::dropout_matmul). With
  /// `rows`, the input is those rows of x (adj's columns), read in place
  /// when x is transformed first and gathered otherwise.
  at::Tensor forward(const at::Tensor& x, const CSR& adj, double input_dropout = 0.0, const at::Tensor& rows = {});

  GCNConvOptions options;
  at::Tensor weight;  ///< [in_channels, out_channels]
  at::Tensor bias;    ///< [out_channels], undefined without bias
};
TORCH_MODULE(GCNConv);

}  // namespace nn
}  // namespace gas
