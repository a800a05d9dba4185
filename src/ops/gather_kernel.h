#pragma once
// The kernels behind gas::ops::gather_rows, one per backend
// (ops/cpu/gather_cpu.cpp; CUDA in cuda/). Inputs are validated by the front op.

#include "ops/registry.h"

#include <ATen/core/Tensor.h>

namespace gas {
namespace ops {

// out[i] = src[index[i]] for dense 2-D src; all contiguous, out preallocated.
// Throws naming an index out of range.
GAS_DECLARE_KERNEL(gather_rows_out, void(const at::Tensor& src, const at::Tensor& index, at::Tensor& out));

// The selected rows of sparse CSR features (sparse_features.h), as sparse
// CSR features. Throws naming an index out of range.
GAS_DECLARE_KERNEL(gather_sparse_rows, at::Tensor(const at::Tensor& src, const at::Tensor& index));

}  // namespace ops
}  // namespace gas
