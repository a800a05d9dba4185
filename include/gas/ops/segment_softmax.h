#pragma once
/// \file
/// Softmax over the entries of each CSR row: attention normalisation.

#include <gas/macros.h>

#include <ATen/core/Tensor.h>

namespace gas {
namespace ops {

/// out[e, h] = exp(src[e, h]) / sum of exp(src[e', h]) over the entries e'
/// of e's row, computed with the row maximum subtracted for stability.
/// `src` is [nnz] or [nnz, H] (a softmax per head); `rowptr` is the CSR's
/// int64 [num_rows + 1]. Rows without entries produce nothing, so no NaN can
/// arise. Differentiable; float and double; CPU, parallel over rows.
GAS_API at::Tensor segment_softmax(const at::Tensor& src, const at::Tensor& rowptr);

}  // namespace ops
}  // namespace gas
