#include <gas/nn/init.h>

#include <torch/csrc/autograd/grad_mode.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/linear.h>

#include <cmath>

namespace gas {
namespace nn {

void glorot_(at::Tensor& weight) {
  torch::NoGradGuard no_grad;
  const double a = std::sqrt(6.0 / static_cast<double>(weight.size(-2) + weight.size(-1)));
  weight.uniform_(-a, a);
}

void reset_descendants(torch::nn::Module& module) {
  for (auto& child : module.modules(/*include_self=*/false)) {
    if (auto* linear = child->as<torch::nn::Linear>()) linear->reset_parameters();
    if (auto* bn = child->as<torch::nn::BatchNorm1d>()) bn->reset_parameters();
  }
}

}  // namespace nn
}  // namespace gas
