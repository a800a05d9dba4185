#pragma once
// CPU kernels behind gas::ops::spmm. Inputs are validated by the front op.

#include <ATen/core/Tensor.h>

#include <utility>

namespace gas {
namespace ops {
namespace cpu {

// out[r] = sum_e w[e] * x[col[e]], divided by the row's entry count when `mean`.
// `value` is undefined (unit weights), [nnz] or [nnz, H] (head h weights the
// feature slice h of x).
at::Tensor spmm(const at::Tensor& rowptr, const at::Tensor& col, const at::Tensor& value, const at::Tensor& x,
                bool mean);
// The same into `out`, a contiguous [num_rows, F] tensor of x's type.
void spmm_out(const at::Tensor& rowptr, const at::Tensor& col, const at::Tensor& value, const at::Tensor& x, bool mean,
              at::Tensor& out);

// out[r] = sum over the entries e of row r with col[e] < num_rows of
// w[e] * x[col[e]]: the leading square block alone. For a symmetric block
// this is its transpose's product, so spmm's backward pass needs no
// transposed structure for it. `out` is [num_rows, F] and contiguous.
void spmm_leading_out(const at::Tensor& rowptr, const at::Tensor& col, const at::Tensor& value, const at::Tensor& x,
                      at::Tensor& out);

// d out / d value: grad_value[e, h] = <grad_out[row(e)], x[col[e]]> over head
// slice h (scaled by 1 / deg(row) when `mean`), shaped like `value`.
at::Tensor spmm_value_backward(const at::Tensor& rowptr, const at::Tensor& col, const at::Tensor& x,
                               const at::Tensor& grad_out, int64_t heads, bool value_is_2d, bool mean);

// Element-wise max (or min) over each row's neighbour rows, and for every
// output element the column it came from (-1 for empty rows, whose output is 0).
std::pair<at::Tensor, at::Tensor> spmm_extreme(const at::Tensor& rowptr, const at::Tensor& col, const at::Tensor& x,
                                               bool max);

// Routes grad_out[r, f] to row arg[r, f] of a [num_cols, F] gradient.
at::Tensor spmm_extreme_backward(const at::Tensor& arg, const at::Tensor& grad_out, int64_t num_cols);

}  // namespace cpu
}  // namespace ops
}  // namespace gas
