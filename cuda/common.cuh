#pragma once
// What every CUDA kernel file of gas shares: the launch shape (a warp per
// row, its lanes across features) and the launch on the caller's current
// stream, checked.

#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>

#include <algorithm>
#include <cstdint>

namespace gas {
namespace ops {
namespace cuda {

constexpr int kWarp = 32;
constexpr int kWarpsPerBlock = 8;

// Blocks of kWarpsPerBlock warps for `rows` rows, one warp each; the grid is
// capped (kernels stride over rows) so that it stays within CUDA's limits.
inline dim3 warp_rows_grid(int64_t rows) {
  const int64_t blocks = (rows + kWarpsPerBlock - 1) / kWarpsPerBlock;
  return dim3(static_cast<unsigned>(std::max<int64_t>(1, std::min<int64_t>(blocks, int64_t{1} << 20))));
}
inline dim3 warp_rows_block() { return dim3(kWarp, kWarpsPerBlock); }

// Blocks of 256 threads for n elements, grid capped as above.
constexpr int kThreads = 256;
inline dim3 elements_grid(int64_t n) {
  const int64_t blocks = (n + kThreads - 1) / kThreads;
  return dim3(static_cast<unsigned>(std::max<int64_t>(1, std::min<int64_t>(blocks, int64_t{1} << 20))));
}

// The first row of this warp and the stride over rows.
__device__ __forceinline__ int64_t warp_row() {
  return static_cast<int64_t>(blockIdx.x) * blockDim.y + threadIdx.y;
}
__device__ __forceinline__ int64_t warp_row_stride() { return static_cast<int64_t>(gridDim.x) * blockDim.y; }

template <typename T>
__device__ __forceinline__ T warp_sum(T v) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2) v += __shfl_down_sync(0xffffffffu, v, offset);
  return __shfl_sync(0xffffffffu, v, 0);
}
template <typename T>
__device__ __forceinline__ T warp_max(T v) {
  for (int offset = kWarp / 2; offset > 0; offset /= 2) v = max(v, __shfl_down_sync(0xffffffffu, v, offset));
  return __shfl_sync(0xffffffffu, v, 0);
}

inline cudaStream_t current_stream() { return at::cuda::getCurrentCUDAStream().stream(); }

}  // namespace cuda
}  // namespace ops
}  // namespace gas
