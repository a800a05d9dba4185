#include <gas/nn/gin_conv.h>

#include <gas/nn/init.h>
#include <gas/ops/spmm.h>

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

namespace gas {
namespace nn {

GINConvImpl::GINConvImpl(torch::nn::Sequential mlp, double eps, bool train_eps)
    : mlp(std::move(mlp)), initial_eps(eps), train_eps(train_eps) {
  reset();
}

void GINConvImpl::reset() {
  mlp = register_module("mlp", mlp);
  const at::Tensor value = at::full({1}, initial_eps);
  eps = train_eps ? register_parameter("eps", value) : register_buffer("eps", value);
}

void GINConvImpl::reset_parameters() {
  {
    torch::NoGradGuard no_grad;
    eps.fill_(initial_eps);
  }
  reset_submodules(*mlp);
}

at::Tensor GINConvImpl::forward(const at::Tensor& x, const CSR& adj) {
  const at::Tensor agg = ops::spmm(adj.with_value({}), x, ops::Reduce::Sum);
  return mlp->forward((1 + eps) * x.narrow(0, 0, adj.num_rows) + agg);
}

}  // namespace nn
}  // namespace gas
