// Row expansion of a CSR on CUDA: a warp per row writes its entries' row.

#include "ops/expand_rowptr_kernel.h"

#include "common.cuh"

namespace gas {
namespace ops {
namespace cuda {
namespace {

__global__ void expand_rowptr_kernel(const int64_t* __restrict__ rowptr, int64_t* __restrict__ row, int64_t rows,
                                     int64_t nnz) {
  for (int64_t r = warp_row(); r < rows; r += warp_row_stride()) {
    // The host kernel checks rowptr's end against nnz; here that would cost a
    // read-back, so a bad end stops the kernel with a device assertion.
    if (r == rows - 1) CUDA_KERNEL_ASSERT(rowptr[rows] == nnz && "expand_rowptr: rowptr does not end at nnz");
    for (int64_t e = rowptr[r] + threadIdx.x; e < rowptr[r + 1]; e += kWarp) row[e] = r;
  }
}

void expand_rowptr(const at::Tensor& rowptr, at::Tensor& row) {
  const int64_t rows = rowptr.numel() - 1;
  if (rows == 0) return;
  const c10::cuda::CUDAGuard guard(rowptr.device());
  expand_rowptr_kernel<<<warp_rows_grid(rows), warp_rows_block(), 0, current_stream()>>>(
      rowptr.data_ptr<int64_t>(), row.data_ptr<int64_t>(), rows, row.numel());
  C10_CUDA_KERNEL_LAUNCH_CHECK();
}

}  // namespace

GAS_REGISTER_KERNEL(expand_rowptr, CUDA, expand_rowptr);

}  // namespace cuda
}  // namespace ops
}  // namespace gas
