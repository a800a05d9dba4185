#include <gas/optim/adam.h>

#include <gas/ops/adam_step.h>

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <sstream>
#include <string>
#include <type_traits>

namespace gas {
namespace optim {
namespace {

// The key of a parameter's state in Optimizer::state(): LibTorch 1.13
// prints the TensorImpl's address into a string, 2.x keys by the address.
template <typename Key>
Key state_key(const at::Tensor& p) {
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream out;
    out << static_cast<const void*>(p.unsafeGetTensorImpl());
    return out.str();
  } else {
    return static_cast<Key>(p.unsafeGetTensorImpl());
  }
}

}  // namespace

torch::Tensor Adam::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure != nullptr) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  auto& states = state();
  using Key = typename std::remove_reference_t<decltype(states)>::key_type;
  for (auto& group : param_groups()) {
    const auto& options = static_cast<const torch::optim::AdamOptions&>(group.options());
    for (at::Tensor& p : group.params()) {
      if (!p.grad().defined()) continue;
      auto& slot = states[state_key<Key>(p)];
      if (slot == nullptr) {
        auto fresh = std::make_unique<torch::optim::AdamParamState>();
        fresh->step(0);
        fresh->exp_avg(at::zeros_like(p, at::MemoryFormat::Preserve));
        fresh->exp_avg_sq(at::zeros_like(p, at::MemoryFormat::Preserve));
        if (options.amsgrad()) fresh->max_exp_avg_sq(at::zeros_like(p, at::MemoryFormat::Preserve));
        slot = std::move(fresh);
      }
      auto& s = static_cast<torch::optim::AdamParamState&>(*slot);
      s.step(s.step() + 1);
      ops::AdamStepArgs args;
      args.lr = options.lr();
      args.beta1 = std::get<0>(options.betas());
      args.beta2 = std::get<1>(options.betas());
      args.eps = options.eps();
      args.weight_decay = options.weight_decay();
      args.amsgrad = options.amsgrad();
      args.step = s.step();
      ops::adam_step(p, p.grad(), s.exp_avg(), s.exp_avg_sq(), s.max_exp_avg_sq(), args);
    }
  }
  return loss;
}

}  // namespace optim
}  // namespace gas
