#pragma once
// Collects the parameters of modules for the regularised / non-regularised
// optimiser groups.

#include <ATen/core/Tensor.h>
#include <torch/nn/pimpl.h>

#include <vector>

namespace gas {
namespace models {
namespace detail {

inline void append_parameters(std::vector<at::Tensor>&) {}

template <typename Holder, typename... Rest>
void append_parameters(std::vector<at::Tensor>& out, const std::vector<Holder>& modules, const Rest&... rest);

template <typename Impl, typename... Rest>
void append_parameters(std::vector<at::Tensor>& out, const torch::nn::ModuleHolder<Impl>& module, const Rest&... rest) {
  if (!module.is_empty()) {
    const auto params = module->parameters();
    out.insert(out.end(), params.begin(), params.end());
  }
  append_parameters(out, rest...);
}

template <typename Holder, typename... Rest>
void append_parameters(std::vector<at::Tensor>& out, const std::vector<Holder>& modules, const Rest&... rest) {
  for (const auto& m : modules) append_parameters(out, m);
  append_parameters(out, rest...);
}

/// The parameters of every given module holder or vector of holders, in order.
template <typename... Modules>
std::vector<at::Tensor> parameters_of(const Modules&... modules) {
  std::vector<at::Tensor> out;
  append_parameters(out, modules...);
  return out;
}

}  // namespace detail
}  // namespace models
}  // namespace gas
