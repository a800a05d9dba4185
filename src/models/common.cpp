#include "models/common.h"

#include <gas/sparse_features.h>

#include <ATen/ATen.h>

namespace gas {
namespace models {
namespace detail {

at::Tensor hidden_activation(at::Tensor out, const at::Tensor& input, std::vector<torch::nn::BatchNorm1d>& bns,
                             int64_t layer, bool residual) {
  if (layer < static_cast<int64_t>(bns.size())) out = bns[layer]->forward(out);
  if (residual && out.size(-1) == input.size(-1) && !is_sparse_features(input))
    out = out + input.narrow(0, 0, out.size(0));
  return out.relu();
}

}  // namespace detail
}  // namespace models
}  // namespace gas
