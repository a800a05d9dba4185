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

void zeros_(at::Tensor& bias) {
  if (!bias.defined()) return;
  torch::NoGradGuard no_grad;
  bias.zero_();
}

void reset_submodules(torch::nn::Module& module) {
  for (const auto& item : module.named_children()) {
    torch::nn::Module& child = *item.value();
    if (auto* layer = dynamic_cast<Resettable*>(&child)) {
      layer->reset_parameters();
    } else if (auto* linear = child.as<torch::nn::Linear>()) {
      linear->reset_parameters();
    } else if (auto* bn = child.as<torch::nn::BatchNorm1d>()) {
      bn->reset_parameters();
    } else {
      TORCH_CHECK(child.named_parameters(/*recurse=*/false).is_empty(), "reset_parameters: submodule '", item.key(),
                  "' of ", module.name(), " (", child.name(),
                  ") holds parameters gas does not know how to re-initialise; override reset_parameters() and "
                  "re-initialise them there");
      reset_submodules(child);
    }
  }
}

}  // namespace nn
}  // namespace gas
