#include <gas/ops/spmm.h>

#include <gas/compat.h>
#include <gas/ops/spmm_plan.h>

#include <torch/csrc/autograd/custom_function.h>

#include "ops/spmm_kernel.h"

#include <ATen/ATen.h>

namespace gas {
namespace ops {

GAS_DEFINE_KERNEL(spmm_out)
GAS_DEFINE_KERNEL(spmm_leading_out)
GAS_DEFINE_KERNEL(spmm_value_backward)
GAS_DEFINE_KERNEL(spmm_extreme)
GAS_DEFINE_KERNEL(spmm_extreme_backward)

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

at::Tensor run_spmm(const at::Tensor& rowptr, const at::Tensor& col, const at::Tensor& value, const at::Tensor& x,
                    bool mean) {
  at::Tensor out = at::empty({rowptr.numel() - 1, x.size(1)}, x.options());
  GAS_KERNEL(spmm_out, x.device())(rowptr, col, value, x, mean, out);
  return out;
}

// Autograd wrapper: the structure travels as a plain argument, only `x` and
// `value` are differentiable.
class SpMMFunction : public torch::autograd::Function<SpMMFunction> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const gas::optional<at::Tensor>& value,
                            const CSR& adj, bool mean) {
    const at::Tensor v = value.has_value() ? *value : at::Tensor();
    const ColumnIndex columns = adj.plan ? adj.plan->columns() : ColumnIndex();
    ctx->save_for_backward({x, v, adj.rowptr, adj.col, columns.colptr, columns.row, columns.perm});
    ctx->saved_data["mean"] = mean;
    ctx->saved_data["num_cols"] = adj.num_cols;
    ctx->saved_data["symmetric"] = adj.plan && adj.plan->leading_block_symmetric();
    return run_spmm(adj.rowptr, adj.col, v, x, mean);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor &x = saved[0], &value = saved[1], &rowptr = saved[2], &col = saved[3];
    const bool mean = ctx->saved_data["mean"].toBool();
    const at::Tensor grad_out = grad_outputs[0].contiguous();
    at::Tensor grad_x, grad_value;
    if (ctx->needs_input_grad(0)) {
      // grad_x = A^T (D^-1 grad_out) for mean, A^T grad_out for sum, every
      // part a gather. A symmetric in-batch block is its own transpose; the
      // other columns (all of them without symmetry) are gathered over the
      // column index of the adjacency's plan, or over one built here.
      const int64_t num_rows = rowptr.numel() - 1, num_cols = ctx->saved_data["num_cols"].toInt();
      const bool symmetric = ctx->saved_data["symmetric"].toBool();
      const CSR structure{rowptr, col, {}, num_rows, num_cols};
      at::Tensor g = grad_out;
      if (mean) g = g / structure.row_degree().clamp_min(1).to(g.scalar_type()).unsqueeze(1);
      const int64_t first_col = symmetric ? num_rows : 0;
      const ColumnIndex index =
          saved[4].defined() ? ColumnIndex{saved[4], saved[5], saved[6]} : index_columns(structure, first_col);
      grad_x = at::empty({num_cols, g.size(1)}, g.options());
      at::Tensor leading = grad_x.narrow(0, 0, first_col), rest = grad_x.narrow(0, first_col, num_cols - first_col);
      const at::Tensor t_value = value.defined() ? value.index_select(0, index.perm).contiguous() : at::Tensor();
      if (symmetric) GAS_KERNEL(spmm_leading_out, x.device())(rowptr, col, value, g, leading);
      GAS_KERNEL(spmm_out, x.device())(index.colptr, index.row, t_value, g, /*mean=*/false, rest);
    }
    if (value.defined() && ctx->needs_input_grad(1)) {
      const int64_t heads = value.dim() == 2 ? value.size(1) : 1;
      grad_value = GAS_KERNEL(spmm_value_backward, x.device())(rowptr, col, x, grad_out, heads, value.dim() == 2, mean);
    }
    return {grad_x, grad_value, at::Tensor(), at::Tensor()};
  }
};

class SpMMExtremeFunction : public torch::autograd::Function<SpMMExtremeFunction> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const CSR& adj, bool max) {
    const std::pair<at::Tensor, at::Tensor> result = GAS_KERNEL(spmm_extreme, x.device())(adj.rowptr, adj.col, x, max);
    ctx->save_for_backward({result.second});
    ctx->saved_data["num_cols"] = adj.num_cols;
    return result.first;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const at::Tensor arg = ctx->get_saved_variables()[0];
    const at::Tensor grad = GAS_KERNEL(spmm_extreme_backward, arg.device())(arg, grad_outputs[0].contiguous(),
                                                                            ctx->saved_data["num_cols"].toInt());
    return {grad, at::Tensor(), at::Tensor()};
  }
};

void check_inputs(const CSR& adj, const at::Tensor& x) {
  TORCH_CHECK(x.dim() == 2, "spmm: x must be [num_cols, F], got ", x.sizes());
  TORCH_CHECK(x.size(0) == adj.num_cols, "spmm: x has ", x.size(0), " rows, the adjacency ", adj.num_cols, " columns");
  TORCH_CHECK(at::isFloatingType(x.scalar_type()), "spmm: x must be floating point, got ", x.scalar_type());
  TORCH_CHECK(adj.rowptr.numel() == adj.num_rows + 1, "spmm: rowptr has ", adj.rowptr.numel(), " entries for ",
              adj.num_rows, " rows");
  TORCH_CHECK(adj.device() == x.device(), "spmm: adjacency on ", adj.device(), ", x on ", x.device());
}

// The edge weights of a Sum or Mean, checked against x; nullopt for none.
gas::optional<at::Tensor> checked_value(const CSR& adj, const at::Tensor& x) {
  if (!adj.has_value()) return gas::nullopt;
  const at::Tensor& v = adj.value;
  TORCH_CHECK(v.size(0) == adj.nnz(), "spmm: value has ", v.size(0), " entries, nnz is ", adj.nnz());
  TORCH_CHECK(v.dim() == 1 || (v.dim() == 2 && x.size(1) % v.size(1) == 0), "spmm: value of shape ", v.sizes(),
              " does not split ", x.size(1), " features into heads");
  TORCH_CHECK(v.scalar_type() == x.scalar_type(), "spmm: value is ", v.scalar_type(), ", x is ", x.scalar_type());
  return v.contiguous();
}

}  // namespace

Reduce parse_reduce(const std::string& name) {
  if (name == "sum") return Reduce::Sum;
  if (name == "mean") return Reduce::Mean;
  if (name == "min") return Reduce::Min;
  if (name == "max") return Reduce::Max;
  TORCH_CHECK(false, "unknown reduction '", name, "' (valid: sum, mean, min, max)");
}

at::Tensor spmm(const CSR& adj, const at::Tensor& x, Reduce reduce) {
  check_inputs(adj, x);
  if (reduce == Reduce::Min || reduce == Reduce::Max) {
    TORCH_CHECK(!adj.has_value(), "spmm: min and max aggregate unweighted neighbours; drop the edge values first");
    return SpMMExtremeFunction::apply(x.contiguous(), adj, reduce == Reduce::Max);
  }
  return SpMMFunction::apply(x.contiguous(), checked_value(adj, x), adj, reduce == Reduce::Mean);
}

at::Tensor& spmm_out(at::Tensor& out, const CSR& adj, const at::Tensor& x, Reduce reduce) {
  check_inputs(adj, x);
  TORCH_CHECK(reduce == Reduce::Sum || reduce == Reduce::Mean, "spmm_out: only sum and mean write into a buffer");
  const gas::optional<at::Tensor> value = checked_value(adj, x);
  TORCH_CHECK(!at::GradMode::is_enabled() || !(x.requires_grad() || (value && value->requires_grad())),
              "spmm_out records no gradient; call it under torch::NoGradGuard, or use spmm");
  TORCH_CHECK(out.dim() == 2 && out.size(0) == adj.num_rows && out.size(1) == x.size(1), "spmm_out: out must be [",
              adj.num_rows, ", ", x.size(1), "], got ", out.sizes());
  TORCH_CHECK(out.is_contiguous() && out.scalar_type() == x.scalar_type() && out.device() == x.device(),
              "spmm_out: out must be a contiguous ", x.scalar_type(), " tensor on ", x.device());
  GAS_KERNEL(spmm_out, x.device())(adj.rowptr, adj.col, value ? *value : at::Tensor(), x.contiguous(),
                                   reduce == Reduce::Mean, out);
  return out;
}

}  // namespace ops
}  // namespace gas
