#pragma once
// The kernel behind gas::ops::expand_rowptr, one per backend
// (ops/cpu/expand_rowptr_cpu.cpp; CUDA in cuda/).

#include "ops/registry.h"

#include <ATen/core/Tensor.h>

namespace gas {
namespace ops {

// row[e] = r for the entries of row r; rowptr contiguous int64, row [nnz].
GAS_DECLARE_KERNEL(expand_rowptr, void(const at::Tensor& rowptr, at::Tensor& row));

}  // namespace ops
}  // namespace gas
