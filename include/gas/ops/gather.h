#pragma once
/// \file
/// Row gather: the memory-bound copy behind batch features and history pulls.

#include <ATen/core/Tensor.h>

namespace gas {
namespace ops {

/// out[i] = src[index[i]] for a 2-D `src` (any dtype; dense, or sparse CSR
/// features, whose rows stay sparse) and int64 `index`, copied row by row in
/// parallel. Indices are bounds-checked.
/// Equivalent to src.index_select(0, index) (which it falls back to for
/// non-CPU tensors), without autograd.
at::Tensor gather_rows(const at::Tensor& src, const at::Tensor& index);

}  // namespace ops
}  // namespace gas
