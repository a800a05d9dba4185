#include <gas/nn/sage_conv.h>

#include <gas/ops/spmm.h>

namespace gas {
namespace nn {

SAGEConvImpl::SAGEConvImpl(const SAGEConvOptions& options) : options(options) { reset(); }

void SAGEConvImpl::reset() {
  TORCH_CHECK(options.in_channels() > 0 && options.out_channels() > 0,
              "SAGEConv: in_channels and out_channels must be positive, got ", options.in_channels(), " and ",
              options.out_channels());
  lin_l = register_module(
      "lin_l",
      torch::nn::Linear(torch::nn::LinearOptions(options.in_channels(), options.out_channels()).bias(options.bias())));
  if (options.root_weight())
    lin_r = register_module(
        "lin_r",
        torch::nn::Linear(torch::nn::LinearOptions(options.in_channels(), options.out_channels()).bias(false)));
}

void SAGEConvImpl::reset_parameters() {
  lin_l->reset_parameters();
  if (lin_r) lin_r->reset_parameters();
}

at::Tensor SAGEConvImpl::forward(const at::Tensor& x, const CSR& adj) {
  TORCH_CHECK(x.dim() == 2 && x.size(1) == options.in_channels(), "SAGEConv: expected input [*, ",
              options.in_channels(), "], got ", x.sizes());
  at::Tensor out = lin_l(ops::spmm(adj.with_value({}), x, ops::Reduce::Mean));
  if (lin_r) out = out + lin_r(x.narrow(0, 0, adj.num_rows));
  return out;
}

}  // namespace nn
}  // namespace gas
