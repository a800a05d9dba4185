#pragma once
/// \file
/// PNA and PNA with jumping knowledge as GAS models (PyGAS's PNA, PNA_JK).

#include <gas/macros.h>
#include <gas/nn/pna_conv.h>
#include <gas/models/model.h>
#include <gas/models/options.h>

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

namespace gas {
namespace models {

struct GAS_API PNAOptions : StackOptions<PNAOptions> {
  PNAOptions(int64_t in_channels, int64_t hidden_channels, int64_t out_channels, int64_t num_layers,
             std::vector<std::string> aggregators, std::vector<std::string> scalers, at::Tensor degree)
      : StackOptions(in_channels, hidden_channels, out_channels, num_layers),
        aggregators_(std::move(aggregators)),
        scalers_(std::move(scalers)),
        degree_(std::move(degree)) {}
  TORCH_ARG(std::vector<std::string>, aggregators);
  TORCH_ARG(std::vector<std::string>, scalers);
  /// Per-node degree of the full graph (see PNAConvOptions::degree).
  TORCH_ARG(at::Tensor, degree);
  TORCH_ARG(int64_t, towers) = 1;
};

/// Layer l: dropout, PNAConv, then (hidden layers) batch norm, residual
/// where widths agree, ReLU. The last convolution takes the
/// non-regularised weight decay.
class GAS_API PNAImpl : public Model<PNAOptions> {
 public:
  PNAImpl(int64_t num_nodes, const PNAOptions& options);

  at::Tensor forward_layer(int64_t layer, const at::Tensor& x, const CSR& adj, LayerState& state) override;

  std::vector<nn::PNAConv> convs;
  std::vector<torch::nn::BatchNorm1d> bns;  ///< with batch_norm only
};
TORCH_MODULE(PNA);

/// Jumping knowledge: a Linear (+ batch norm) + ReLU embedding, num_layers
/// hidden-width PNAConv layers (batch norm, residual, ReLU), and a Linear
/// over the concatenation of the embedding and every layer's output. Each
/// batch's state accumulates its in-batch layer outputs, which is what lets
/// layer-wise inference produce the same concatenation. Convolutions and
/// batch norms take the regularised weight decay, the Linear layers the other.
class GAS_API PNAJKImpl : public Model<PNAOptions> {
 public:
  PNAJKImpl(int64_t num_nodes, const PNAOptions& options);

  at::Tensor forward_layer(int64_t layer, const at::Tensor& x, const CSR& adj, LayerState& state) override;

  torch::nn::Sequential embed{nullptr};
  torch::nn::Linear lin_out{nullptr};
  std::vector<nn::PNAConv> convs;
  std::vector<torch::nn::BatchNorm1d> bns;  ///< with batch_norm only
};
TORCH_MODULE(PNAJK);

}  // namespace models
}  // namespace gas
