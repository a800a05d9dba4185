#include <gas/nn/gat_conv.h>

#include <gas/nn/functional.h>
#include <gas/nn/init.h>
#include <gas/ops/expand_rowptr.h>
#include <gas/ops/segment_softmax.h>
#include <gas/ops/spmm.h>

#include <ATen/ATen.h>

namespace gas {
namespace nn {

GATConvImpl::GATConvImpl(const GATConvOptions& options) : options(options) { reset(); }

int64_t GATConvImpl::output_channels() const {
  return options.concat() ? options.heads() * options.out_channels() : options.out_channels();
}

void GATConvImpl::reset() {
  TORCH_CHECK(options.in_channels() > 0 && options.out_channels() > 0 && options.heads() > 0,
              "GATConv: in_channels, out_channels and heads must be positive, got ", options.in_channels(), ", ",
              options.out_channels(), ", ", options.heads());
  TORCH_CHECK(options.dropout() >= 0 && options.dropout() < 1, "GATConv: dropout must be in [0, 1), got ",
              options.dropout());
  const int64_t h = options.heads(), c = options.out_channels();
  weight = register_parameter("weight", at::empty({options.in_channels(), h * c}));
  att_src = register_parameter("att_src", at::empty({h, c}));
  att_dst = register_parameter("att_dst", at::empty({h, c}));
  if (options.bias()) bias = register_parameter("bias", at::empty({output_channels()}));
  reset_parameters();
}

void GATConvImpl::reset_parameters() {
  glorot_(weight);
  // PyG initialises the [1, H, C] attention vectors with Glorot over (H, C).
  glorot_(att_src);
  glorot_(att_dst);
  zeros_(bias);
}

at::Tensor GATConvImpl::forward(const at::Tensor& x, const CSR& input_adj) {
  TORCH_CHECK(x.dim() == 2 && x.size(1) == options.in_channels(), "GATConv: expected input [*, ", options.in_channels(),
              "], got ", x.sizes());
  TORCH_CHECK(input_adj.num_rows <= x.size(0), "GATConv: ", input_adj.num_rows, " target rows but only ", x.size(0),
              " input rows");
  const CSR adj = options.add_self_loops() ? set_self_loops(input_adj.with_value({})) : input_adj.with_value({});
  const int64_t h = options.heads(), c = options.out_channels(), rows = adj.num_rows;
  const at::Tensor z = nn::matmul(x, weight);  // [M, H * C]
  const at::Tensor zh = z.view({-1, h, c});
  const at::Tensor a_src = (zh * att_src).sum(-1);                     // [M, H]
  const at::Tensor a_dst = (zh.narrow(0, 0, rows) * att_dst).sum(-1);  // [R, H]
  const at::Tensor row = ops::expand_rowptr(adj.rowptr, adj.nnz());
  const at::Tensor e =
      at::leaky_relu(a_src.index_select(0, adj.col) + a_dst.index_select(0, row), options.negative_slope());
  at::Tensor alpha = ops::segment_softmax(e, adj.rowptr);
  alpha = nn::dropout(alpha, options.dropout(), is_training());
  at::Tensor out = ops::spmm(adj.with_value(alpha), z);  // [R, H * C]
  if (!options.concat()) out = out.view({rows, h, c}).mean(1);
  if (bias.defined()) out = out + bias;
  return out;
}

}  // namespace nn
}  // namespace gas
