#pragma once
// CPU kernels behind gas::ops::spmm. Inputs are validated by the front op.

#include <ATen/core/Tensor.h>

namespace gas {
namespace ops {
namespace cpu {

// out[r] = sum_e w[e] * x[col[e]], divided by the row's entry count when `mean`.
// `value` is undefined (unit weights), [nnz] or [nnz, H] (head h weights the
// feature slice h of x).
at::Tensor spmm(const at::Tensor& rowptr, const at::Tensor& col, const at::Tensor& value,
                const at::Tensor& x, bool mean);

// d out / d value: grad_value[e, h] = <grad_out[row(e)], x[col[e]]> over head
// slice h (scaled by 1 / deg(row) when `mean`), shaped like `value`.
at::Tensor spmm_value_backward(const at::Tensor& rowptr, const at::Tensor& col, const at::Tensor& x,
                               const at::Tensor& grad_out, int64_t heads, bool value_is_2d, bool mean);

}  // namespace cpu
}  // namespace ops
}  // namespace gas
