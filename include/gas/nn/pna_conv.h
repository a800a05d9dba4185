#pragma once
/// \file
/// Principal neighbourhood aggregation (Corso et al. 2020), in the form the
/// GAS paper trained.

#include <gas/graph.h>
#include <gas/macros.h>
#include <gas/nn/init.h>

#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <string>
#include <vector>

namespace gas {
namespace nn {

struct GAS_API PNAConvOptions {
  PNAConvOptions(int64_t in_channels, int64_t out_channels, std::vector<std::string> aggregators,
                 std::vector<std::string> scalers, at::Tensor degree)
      : in_channels_(in_channels),
        out_channels_(out_channels),
        aggregators_(std::move(aggregators)),
        scalers_(std::move(scalers)),
        degree_(std::move(degree)) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, out_channels);
  /// Any of mean, sum, min, max, std.
  TORCH_ARG(std::vector<std::string>, aggregators);
  /// Any of identity, amplification, attenuation, linear, inverse_linear.
  TORCH_ARG(std::vector<std::string>, scalers);
  /// In-degree of every node of the full graph (not of a batch): the scalers'
  /// averages come from it.
  TORCH_ARG(at::Tensor, degree);
  /// Independent towers, each out_channels / towers wide, mixed by a linear
  /// layer when there is more than one.
  TORCH_ARG(int64_t, towers) = 1;
};

/// For every tower, aggregator a and scaler s: h = relu(pre(x)),
/// aggregated with a over the row's neighbours, transformed by post, scaled
/// by s(deg); the terms are summed (PyGAS's PNAConv), towers concatenated and
/// mixed, and the root term lin(x_i) added. Scalers use the row's degree
/// clamped to at least 1 (PyG's convention), so isolated nodes stay finite;
/// their aggregations are zeros.
class GAS_API PNAConvImpl : public torch::nn::Cloneable<PNAConvImpl>, public Resettable {
 public:
  explicit PNAConvImpl(const PNAConvOptions& options);

  void reset() override;
  void reset_parameters() override;
  at::Tensor forward(const at::Tensor& x, const CSR& adj);

  PNAConvOptions options;
  double avg_log_degree = 1.0;               ///< mean of log(deg + 1) over the full graph
  double avg_degree = 1.0;                   ///< mean degree over the full graph
  std::vector<torch::nn::Linear> pre, post;  ///< one per (tower, aggregator, scaler)
  torch::nn::Linear lin{nullptr};            ///< root term
  torch::nn::Linear mix{nullptr};            ///< with several towers
};
TORCH_MODULE(PNAConv);

}  // namespace nn
}  // namespace gas
