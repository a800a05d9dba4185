#pragma once
// The kernels behind gas::ops::spmm, one per backend (ops/cpu/spmm_cpu.cpp;
// CUDA in cuda/). Inputs are validated by the front op (ops/spmm.cpp):
// contiguous, on one device, int64 structure.

#include "ops/registry.h"

#include <ATen/core/Tensor.h>

#include <utility>

namespace gas {
namespace ops {

// out[r] = sum_e w[e] * x[col[e]], divided by the row's entry count when
// `mean`, into `out`, a contiguous [num_rows, F] tensor of x's type. `value`
// is undefined (unit weights), [nnz] or [nnz, H] (head h weights the feature
// slice h of x).
GAS_DECLARE_KERNEL(spmm_out, void(const at::Tensor& rowptr, const at::Tensor& col, const at::Tensor& value,
                                  const at::Tensor& x, bool mean, at::Tensor& out));

// out[r] = sum over the entries e of row r with col[e] < num_rows of
// w[e] * x[col[e]]: the leading square block alone. For a symmetric block
// this is its transpose's product, so spmm's backward pass needs no
// transposed structure for it. `out` is [num_rows, F] and contiguous.
GAS_DECLARE_KERNEL(spmm_leading_out, void(const at::Tensor& rowptr, const at::Tensor& col, const at::Tensor& value,
                                          const at::Tensor& x, at::Tensor& out));

// d out / d value: grad_value[e, h] = <grad_out[row(e)], x[col[e]]> over head
// slice h (scaled by 1 / deg(row) when `mean`), shaped like `value`.
GAS_DECLARE_KERNEL(spmm_value_backward, at::Tensor(const at::Tensor& rowptr, const at::Tensor& col,
                                                   const at::Tensor& x, const at::Tensor& grad_out, int64_t heads,
                                                   bool value_is_2d, bool mean));

// Element-wise max (or min) over each row's neighbour rows, and for every
// output element the column it came from (-1 for empty rows, whose output is 0).
GAS_DECLARE_KERNEL(spmm_extreme, std::pair<at::Tensor, at::Tensor>(const at::Tensor& rowptr, const at::Tensor& col,
                                                                   const at::Tensor& x, bool max));

// Routes grad_out[r, f] to row arg[r, f] of a [num_cols, F] gradient.
GAS_DECLARE_KERNEL(spmm_extreme_backward,
                   at::Tensor(const at::Tensor& arg, const at::Tensor& grad_out, int64_t num_cols));

}  // namespace ops
}  // namespace gas
