// Segment softmax on CUDA: a warp per row, its lanes across the row's
// entries, one head at a time (max, sum of exponentials, normalise).

#include "ops/segment_softmax_kernel.h"

#include "common.cuh"

#include <ATen/ATen.h>
#include <ATen/Dispatch.h>

#include <limits>

namespace gas {
namespace ops {
namespace cuda {
namespace {

template <typename scalar_t>
__global__ void softmax_kernel(const scalar_t* __restrict__ src, const int64_t* __restrict__ rowptr,
                               scalar_t* __restrict__ out, int64_t rows, int64_t heads, int64_t nnz) {
  for (int64_t r = warp_row(); r < rows; r += warp_row_stride()) {
    if (r == rows - 1) CUDA_KERNEL_ASSERT(rowptr[rows] == nnz && "segment_softmax: rowptr does not end at nnz");
    const int64_t lo = rowptr[r], hi = rowptr[r + 1];
    for (int64_t h = 0; h < heads; ++h) {
      scalar_t top = -std::numeric_limits<scalar_t>::infinity();
      for (int64_t e = lo + threadIdx.x; e < hi; e += kWarp) top = max(top, src[e * heads + h]);
      top = warp_max(top);
      scalar_t sum = 0;
      for (int64_t e = lo + threadIdx.x; e < hi; e += kWarp) sum += exp(src[e * heads + h] - top);
      sum = warp_sum(sum);
      for (int64_t e = lo + threadIdx.x; e < hi; e += kWarp) out[e * heads + h] = exp(src[e * heads + h] - top) / sum;
    }
  }
}

template <typename scalar_t>
__global__ void softmax_backward_kernel(const scalar_t* __restrict__ out, const scalar_t* __restrict__ g,
                                        const int64_t* __restrict__ rowptr, scalar_t* __restrict__ grad, int64_t rows,
                                        int64_t heads) {
  for (int64_t r = warp_row(); r < rows; r += warp_row_stride()) {
    const int64_t lo = rowptr[r], hi = rowptr[r + 1];
    for (int64_t h = 0; h < heads; ++h) {
      scalar_t dot = 0;
      for (int64_t e = lo + threadIdx.x; e < hi; e += kWarp) dot += g[e * heads + h] * out[e * heads + h];
      dot = warp_sum(dot);
      for (int64_t e = lo + threadIdx.x; e < hi; e += kWarp)
        grad[e * heads + h] = out[e * heads + h] * (g[e * heads + h] - dot);
    }
  }
}

at::Tensor segment_softmax(const at::Tensor& src, const at::Tensor& rowptr) {
  const int64_t rows = rowptr.numel() - 1;
  at::Tensor out = at::empty_like(src);
  if (rows == 0) return out;
  const c10::cuda::CUDAGuard guard(src.device());
  AT_DISPATCH_FLOATING_TYPES(src.scalar_type(), "segment_softmax_cuda", [&] {
    softmax_kernel<scalar_t><<<warp_rows_grid(rows), warp_rows_block(), 0, current_stream()>>>(
        src.data_ptr<scalar_t>(), rowptr.data_ptr<int64_t>(), out.data_ptr<scalar_t>(), rows, src.size(1),
        src.size(0));
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  });
  return out;
}

at::Tensor segment_softmax_backward(const at::Tensor& out, const at::Tensor& grad_out, const at::Tensor& rowptr) {
  const int64_t rows = rowptr.numel() - 1;
  at::Tensor grad = at::empty_like(out);
  if (rows == 0) return grad;
  const c10::cuda::CUDAGuard guard(out.device());
  AT_DISPATCH_FLOATING_TYPES(out.scalar_type(), "segment_softmax_backward_cuda", [&] {
    softmax_backward_kernel<scalar_t><<<warp_rows_grid(rows), warp_rows_block(), 0, current_stream()>>>(
        out.data_ptr<scalar_t>(), grad_out.data_ptr<scalar_t>(), rowptr.data_ptr<int64_t>(),
        grad.data_ptr<scalar_t>(), rows, out.size(1));
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  });
  return grad;
}

}  // namespace

GAS_REGISTER_KERNEL(segment_softmax, CUDA, segment_softmax);
GAS_REGISTER_KERNEL(segment_softmax_backward, CUDA, segment_softmax_backward);

}  // namespace cuda
}  // namespace ops
}  // namespace gas
