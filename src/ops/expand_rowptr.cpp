#include <gas/ops/expand_rowptr.h>

#include "ops/expand_rowptr_kernel.h"

#include <ATen/ATen.h>

namespace gas {
namespace ops {

GAS_DEFINE_KERNEL(expand_rowptr)

at::Tensor expand_rowptr(const at::Tensor& rowptr, int64_t nnz) {
  TORCH_CHECK(rowptr.dim() == 1 && rowptr.numel() >= 1 && rowptr.scalar_type() == at::kLong,
              "expand_rowptr: rowptr must be a non-empty 1-D int64 tensor, got ", rowptr.sizes(), " ",
              rowptr.scalar_type());
  TORCH_CHECK(nnz >= 0, "expand_rowptr: nnz must be >= 0, got ", nnz);
  at::Tensor row = at::empty({nnz}, rowptr.options());
  GAS_KERNEL(expand_rowptr, rowptr.device())(rowptr.contiguous(), row);
  return row;
}

}  // namespace ops
}  // namespace gas
