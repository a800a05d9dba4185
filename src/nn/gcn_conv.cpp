#include <gas/nn/gcn_conv.h>

#include <gas/nn/functional.h>
#include <gas/nn/init.h>
#include <gas/ops/spmm.h>
#include <gas/sparse_features.h>

#include <ATen/ATen.h>

namespace gas {
namespace nn {

GCNConvImpl::GCNConvImpl(const GCNConvOptions& options) : options(options) { reset(); }

void GCNConvImpl::reset() {
  TORCH_CHECK(options.in_channels() > 0 && options.out_channels() > 0,
              "GCNConv: in_channels and out_channels must be positive, got ", options.in_channels(), " and ",
              options.out_channels());
  weight = register_parameter("weight", at::empty({options.in_channels(), options.out_channels()}));
  if (options.bias()) bias = register_parameter("bias", at::empty({options.out_channels()}));
  reset_parameters();
}

void GCNConvImpl::reset_parameters() {
  glorot_(weight);
  zeros_(bias);
}

at::Tensor GCNConvImpl::forward(const at::Tensor& x, const CSR& adj, double input_dropout, const at::Tensor& rows) {
  TORCH_CHECK(x.dim() == 2 && x.size(1) == options.in_channels(), "GCNConv: expected input [*, ", options.in_channels(),
              "], got ", x.sizes());
  // Transforming first aggregates the narrower of the two widths when out < in
  // (both orders give the same result); sparse features must be transformed first.
  const bool transform_first = options.out_channels() <= options.in_channels() || is_sparse_features(x);
  at::Tensor out;
  if (transform_first) {
    out = ops::spmm(adj, nn::dropout_matmul(x, weight, input_dropout, is_training(), rows));
  } else {
    out = ops::spmm(adj, nn::dropout(nn::input_rows(x, rows), input_dropout, is_training())).matmul(weight);
  }
  // In place when nothing records it (inference): `out` is this call's own.
  if (bias.defined()) out = out.requires_grad() ? out + bias : out.add_(bias);
  return out;
}

}  // namespace nn
}  // namespace gas
