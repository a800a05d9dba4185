#include "ops/expand_rowptr_kernel.h"

#include <ATen/Parallel.h>

#include <algorithm>

namespace gas {
namespace ops {
namespace cpu {
namespace {

void expand_rowptr(const at::Tensor& rowptr, at::Tensor& row) {
  const int64_t* rp = rowptr.data_ptr<int64_t>();
  const int64_t num_rows = rowptr.numel() - 1, nnz = row.numel();
  TORCH_CHECK(rp[num_rows] == nnz, "expand_rowptr: rowptr ends at ", rp[num_rows], ", nnz is ", nnz);
  int64_t* out = row.data_ptr<int64_t>();
  at::parallel_for(0, num_rows, 2048, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) std::fill(out + rp[r], out + rp[r + 1], r);
  });
}

}  // namespace

GAS_REGISTER_KERNEL(expand_rowptr, CPU, expand_rowptr);

}  // namespace cpu
}  // namespace ops
}  // namespace gas
