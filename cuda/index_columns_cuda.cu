// The column index of spmm's plan on CUDA, by ATen's stable sort: entries
// are in row order, so a stable sort by column keeps each column's rows
// ascending, as the CPU's counting sort does. Selecting the columns from
// first_col on reads their count back; the loader builds plans on the host,
// so this runs only for a backward pass through an adjacency without one.

#include "ops/spmm_plan_kernel.h"
#include "ops/expand_rowptr_kernel.h"

#include "common.cuh"

#include <ATen/ATen.h>

namespace gas {
namespace ops {
namespace cuda {
namespace {

ColumnIndex index_columns(const at::Tensor& rowptr, const at::Tensor& col, int64_t num_cols, int64_t first_col) {
  at::Tensor row = at::empty({col.numel()}, col.options());
  GAS_KERNEL(expand_rowptr, rowptr.device())(rowptr, row);
  at::Tensor perm = first_col == 0 ? at::arange(col.numel(), col.options()) : at::nonzero(col >= first_col).view(-1);
  const at::Tensor key = col.index_select(0, perm) - first_col;
  const auto sorted = at::sort(key, /*stable=*/true, /*dim=*/0, /*descending=*/false);
  perm = perm.index_select(0, std::get<1>(sorted));
  ColumnIndex out;
  const at::Tensor counts = at::bincount(std::get<0>(sorted), {}, num_cols - first_col);
  out.colptr = at::cat({at::zeros({1}, col.options()), counts.cumsum(0)});
  out.row = row.index_select(0, perm);
  out.perm = perm;
  return out;
}

}  // namespace

GAS_REGISTER_KERNEL(index_columns, CUDA, index_columns);

}  // namespace cuda
}  // namespace ops
}  // namespace gas
