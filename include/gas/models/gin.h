#pragma once
/// \file
/// GIN (Xu et al. 2019) as a GAS model (after PyGAS's GIN).

#include <gas/macros.h>
#include <gas/nn/gin_conv.h>
#include <gas/models/model.h>
#include <gas/models/options.h>

#include <torch/nn/modules/linear.h>

namespace gas {
namespace models {

struct GAS_API GINOptions : ModelOptions<GINOptions> {
  using ModelOptions::ModelOptions;
  /// Add each layer's input to its output.
  TORCH_ARG(bool, residual) = false;
  /// Learn each layer's eps.
  TORCH_ARG(bool, train_eps) = true;
};

/// ReLU(Linear(x)) at layer 0, then num_layers GINConv layers whose MLP is
/// Linear, BatchNorm, ReLU, Linear, ReLU, and a final Linear. PyGAS's GIN
/// uses batch norm without running statistics, which makes evaluation depend
/// on how nodes are batched; this one keeps running statistics so that
/// layer-wise inference equals the full-graph forward. Everything takes the
/// regularised weight decay except the output Linear.
class GAS_API GINImpl : public Model<GINOptions> {
 public:
  GINImpl(int64_t num_nodes, const GINOptions& options);

  at::Tensor forward_layer(int64_t layer, const at::Tensor& x, const CSR& adj, LayerState& state) override;

  torch::nn::Linear lin_in{nullptr}, lin_out{nullptr};
  std::vector<nn::GINConv> convs;
};
TORCH_MODULE(GIN);

}  // namespace models
}  // namespace gas
