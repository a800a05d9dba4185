#pragma once
/// \file
/// GraphSAGE (mean aggregator) as a GAS model.

#include <gas/macros.h>
#include <gas/nn/sage_conv.h>
#include <gas/models/model.h>
#include <gas/models/options.h>

#include <torch/nn/modules/batchnorm.h>

namespace gas {
namespace models {

struct GAS_API SAGEOptions : StackOptions<SAGEOptions> {
  using StackOptions::StackOptions;
};

/// Layer l: dropout, SAGEConv, then (hidden layers) batch norm, residual
/// where widths agree, ReLU. The last convolution takes the non-regularised
/// weight decay.
class GAS_API SAGEImpl : public Model<SAGEOptions> {
 public:
  SAGEImpl(int64_t num_nodes, const SAGEOptions& options);

  at::Tensor forward_layer(int64_t layer, const at::Tensor& x, const CSR& adj, LayerState& state) override;

  std::vector<nn::SAGEConv> convs;
  std::vector<torch::nn::BatchNorm1d> bns;  ///< with batch_norm only
};
TORCH_MODULE(SAGE);

}  // namespace models
}  // namespace gas
