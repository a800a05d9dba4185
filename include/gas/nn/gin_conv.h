#pragma once
/// \file
/// The graph isomorphism operator (Xu et al. 2019).

#include <gas/graph.h>
#include <gas/nn/init.h>

#include <torch/nn/cloneable.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/pimpl.h>

namespace gas {
namespace nn {

/// out_i = mlp((1 + eps) x_i + sum_j x_j), with eps trainable when
/// `train_eps` (initialised to `eps`). Edge values are ignored.
class GAS_API GINConvImpl : public torch::nn::Cloneable<GINConvImpl>, public Resettable {
 public:
  GINConvImpl(torch::nn::Sequential mlp, double eps = 0.0, bool train_eps = true);

  void reset() override;
  void reset_parameters() override;
  at::Tensor forward(const at::Tensor& x, const CSR& adj);

  torch::nn::Sequential mlp;
  at::Tensor eps;  ///< scalar; a parameter with train_eps, a buffer otherwise
  double initial_eps;
  bool train_eps;
};
TORCH_MODULE(GINConv);

}  // namespace nn
}  // namespace gas
