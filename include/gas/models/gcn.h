#pragma once
/// \file
/// GCN (Kipf & Welling) as a GAS model, with PyGAS's options.

#include <gas/macros.h>
#include <gas/nn/gcn_conv.h>
#include <gas/models/model.h>
#include <gas/models/options.h>

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/linear.h>

namespace gas {
namespace models {

struct GAS_API GCNOptions : StackOptions<GCNOptions> {
  using StackOptions::StackOptions;
  /// Linear input and output layers around num_layers hidden-width convolutions.
  TORCH_ARG(bool, linear) = false;
};

/// Layer l: dropout, GCNConv, then (for hidden layers) batch norm, residual
/// and ReLU. The first convolutions take the regularised weight decay, the
/// last one (or the output Linear with `linear`) the non-regularised one,
/// as in the GAS paper.
class GAS_API GCNImpl : public Model<GCNOptions> {
 public:
  GCNImpl(int64_t num_nodes, const GCNOptions& options);

  at::Tensor forward_layer(int64_t layer, const at::Tensor& x, const CSR& adj, LayerState& state) override;
  /// Each layer propagates, then transforms per row; a residual reads the
  /// output rows' own input.
  bool supports_out_of_batch_momentum() const override { return !options.residual(); }
  /// The first convolution drops and transforms its input rows in place
  /// when it fuses its input's dropout.
  bool reads_input_rows() const override { return fuses_input_dropout(0); }

  std::vector<nn::GCNConv> convs;
  std::vector<torch::nn::BatchNorm1d> bns;  ///< with batch_norm only
  std::vector<torch::nn::Linear> lins;      ///< input and output layer with `linear`

 private:
  // Whether layer's conv drops its own input, fused into its product: unless
  // the dropped input is needed again (the residual, or the input linear
  // layer).
  bool fuses_input_dropout(int64_t layer) const {
    return !options.residual() && !(layer == 0 && options.linear());
  }
};
TORCH_MODULE(GCN);

}  // namespace models
}  // namespace gas
