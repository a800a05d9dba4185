#pragma once
/// \file
/// GraphSAGE's mean aggregator (Hamilton et al. 2017).

#include <gas/graph.h>
#include <gas/macros.h>
#include <gas/nn/init.h>

#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace gas {
namespace nn {

struct GAS_API SAGEConvOptions {
  SAGEConvOptions(int64_t in_channels, int64_t out_channels) : in_channels_(in_channels), out_channels_(out_channels) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, out_channels);
  /// Add the transformed target node itself (W_r x_i).
  TORCH_ARG(bool, root_weight) = true;
  TORCH_ARG(bool, bias) = true;
};

/// out_i = W_l mean_j x_j + W_r x_i (+ bias, carried by W_l). Edge values
/// are ignored; a row without neighbours aggregates zeros.
class GAS_API SAGEConvImpl : public torch::nn::Cloneable<SAGEConvImpl>, public Resettable {
 public:
  SAGEConvImpl(int64_t in_channels, int64_t out_channels) : SAGEConvImpl(SAGEConvOptions(in_channels, out_channels)) {}
  explicit SAGEConvImpl(const SAGEConvOptions& options);

  void reset() override;
  void reset_parameters() override;
  at::Tensor forward(const at::Tensor& x, const CSR& adj);

  SAGEConvOptions options;
  torch::nn::Linear lin_l{nullptr};  ///< neighbours
  torch::nn::Linear lin_r{nullptr};  ///< root, without bias; null without root_weight
};
TORCH_MODULE(SAGEConv);

}  // namespace nn
}  // namespace gas
