#pragma once
// The kernel behind gas::ops::index_columns, one per backend
// (ops/cpu/index_columns_cpu.cpp; CUDA in cuda/).

#include <gas/ops/spmm_plan.h>

#include "ops/registry.h"

namespace gas {
namespace ops {

// ColumnIndex of columns [first_col, num_cols) of the structure (rowptr, col),
// rows ascending within each column.
GAS_DECLARE_KERNEL(index_columns,
                   ColumnIndex(const at::Tensor& rowptr, const at::Tensor& col, int64_t num_cols, int64_t first_col));

}  // namespace ops
}  // namespace gas
