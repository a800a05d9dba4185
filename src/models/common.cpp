#include "models/common.h"

#include <gas/models/options.h>

#include <gas/sparse_features.h>

#include <ATen/ATen.h>

namespace gas {
namespace models {
namespace detail {

void check_positive(const std::string& model, const char* field, int64_t value) {
  TORCH_CHECK(value >= 1, model, ": ", field, " must be positive, got ", value);
}

void check_dropout(const std::string& model, double value) {
  TORCH_CHECK(value >= 0.0 && value < 1.0, model, ": dropout must be in [0, 1), got ", value);
}

std::vector<torch::nn::BatchNorm1d> register_batch_norms(torch::nn::Module& self, int64_t count, int64_t width) {
  return register_list<torch::nn::BatchNorm1d>(
      self, "bns", count, [width](int64_t) { return torch::nn::BatchNorm1d(torch::nn::BatchNorm1dOptions(width)); });
}

at::Tensor hidden_activation(at::Tensor out, const at::Tensor& input, std::vector<torch::nn::BatchNorm1d>& bns,
                             int64_t layer, bool residual) {
  if (layer < static_cast<int64_t>(bns.size())) out = bns[layer]->forward(out);
  if (residual && out.size(-1) == input.size(-1) && !is_sparse_features(input))
    out = out + input.narrow(0, 0, out.size(0));
  // `out` is this layer's own temporary: without autograd (inference) it is
  // rectified in place, one full-graph temporary fewer to allocate (and to
  // fault in: glibc maps every block of 32 MiB or more afresh).
  return out.requires_grad() ? out.relu() : out.relu_();
}

}  // namespace detail
}  // namespace models
}  // namespace gas
