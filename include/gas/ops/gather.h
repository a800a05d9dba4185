#pragma once
/// \file
/// Row gather: the memory-bound copy behind batch features and history pulls.

#include <gas/macros.h>

#include <ATen/core/Tensor.h>

namespace gas {
namespace ops {

/// out[i] = src[index[i]] for a 2-D `src` (any dtype; dense, or sparse CSR
/// features, whose rows stay sparse) and int64 `index`, copied row by row in
/// parallel. Indices are bounds-checked. Equivalent to
/// src.index_select(0, index), without autograd.
GAS_API at::Tensor gather_rows(const at::Tensor& src, const at::Tensor& index);

/// gather_rows into `out` ([index.numel(), src.size(1)], src's dtype, all
/// three contiguous on one device) for dense `src`.
GAS_API void gather_rows_out(const at::Tensor& src, const at::Tensor& index, at::Tensor& out);

}  // namespace ops
}  // namespace gas
