#pragma once
/// \file
/// Graph attention (Velickovic et al.) on bipartite batch adjacencies.

#include <gas/graph.h>
#include <gas/macros.h>
#include <gas/nn/init.h>

#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/pimpl.h>

namespace gas {
namespace nn {

struct GAS_API GATConvOptions {
  GATConvOptions(int64_t in_channels, int64_t out_channels) : in_channels_(in_channels), out_channels_(out_channels) {}
  TORCH_ARG(int64_t, in_channels);
  /// Channels per head.
  TORCH_ARG(int64_t, out_channels);
  TORCH_ARG(int64_t, heads) = 1;
  /// Concatenate the heads (output heads * out_channels) or average them.
  TORCH_ARG(bool, concat) = true;
  TORCH_ARG(double, negative_slope) = 0.2;
  /// Dropout on the attention coefficients.
  TORCH_ARG(double, dropout) = 0.0;
  /// Attend to the node itself. GAS graphs usually get their self-loops once
  /// in preprocessing (config `loop: true`), hence off by default.
  TORCH_ARG(bool, add_self_loops) = false;
  TORCH_ARG(bool, bias) = true;
};

/// For target row i of `adj` and its neighbours j (columns; row i is also
/// column i, since in-batch nodes come first):
///   e_ij = LeakyReLU(a_dst . W x_i + a_src . W x_j) per head,
///   alpha_ij = softmax_j e_ij over the row (halo neighbours included),
///   out_i = sum_j alpha_ij W x_j, heads concatenated or averaged, + bias.
/// Edge values of `adj` are ignored. A row without neighbours gives the bias
/// alone.
class GAS_API GATConvImpl : public torch::nn::Cloneable<GATConvImpl>, public Resettable {
 public:
  GATConvImpl(int64_t in_channels, int64_t out_channels) : GATConvImpl(GATConvOptions(in_channels, out_channels)) {}
  explicit GATConvImpl(const GATConvOptions& options);

  void reset() override;
  void reset_parameters() override;
  at::Tensor forward(const at::Tensor& x, const CSR& adj);

  /// Width of the output: heads * out_channels when concatenating.
  int64_t output_channels() const;

  GATConvOptions options;
  at::Tensor weight;   ///< [in_channels, heads * out_channels]
  at::Tensor att_src;  ///< [heads, out_channels]
  at::Tensor att_dst;  ///< [heads, out_channels]
  at::Tensor bias;     ///< [output_channels()], undefined without bias
};
TORCH_MODULE(GATConv);

}  // namespace nn
}  // namespace gas
