#include <gas/nn/gcn2_conv.h>

#include <gas/nn/init.h>
#include <gas/ops/spmm.h>

#include <ATen/ATen.h>

#include <cmath>

namespace gas {
namespace nn {

GCN2ConvImpl::GCN2ConvImpl(const GCN2ConvOptions& options) : options(options) { reset(); }

double GCN2ConvImpl::beta() const {
  return options.theta() ? std::log(*options.theta() / static_cast<double>(options.layer()) + 1.0) : 1.0;
}

void GCN2ConvImpl::reset() {
  TORCH_CHECK(options.channels() > 0, "GCN2Conv: channels must be positive, got ", options.channels());
  TORCH_CHECK(options.layer() >= 1, "GCN2Conv: layer is 1-based, got ", options.layer());
  const int64_t c = options.channels();
  weight1 = register_parameter("weight1", at::empty({c, c}));
  if (!options.shared_weights()) weight2 = register_parameter("weight2", at::empty({c, c}));
  reset_parameters();
}

void GCN2ConvImpl::reset_parameters() {
  glorot_(weight1);
  if (weight2.defined()) glorot_(weight2);
}

at::Tensor GCN2ConvImpl::forward(const at::Tensor& x, const at::Tensor& x0, const CSR& adj) {
  TORCH_CHECK(x.dim() == 2 && x.size(1) == options.channels(), "GCN2Conv: expected x [*, ", options.channels(),
              "], got ", x.sizes());
  TORCH_CHECK(x0.dim() == 2 && x0.size(0) >= adj.num_rows && x0.size(1) == options.channels(),
              "GCN2Conv: x0 must hold at least the ", adj.num_rows, " target rows of width ", options.channels(),
              ", got ", x0.sizes());
  const double alpha = options.alpha(), b = beta();
  const at::Tensor h = (1.0 - alpha) * ops::spmm(adj, x);
  const at::Tensor r = alpha * x0.narrow(0, 0, adj.num_rows);
  if (!weight2.defined()) {
    const at::Tensor s = h + r;
    return at::addmm(s, s, weight1, /*beta=*/1.0 - b, /*alpha=*/b);
  }
  return at::addmm(h, h, weight1, 1.0 - b, b) + at::addmm(r, r, weight2, 1.0 - b, b);
}

}  // namespace nn
}  // namespace gas
