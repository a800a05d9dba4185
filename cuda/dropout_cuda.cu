// Dropout on CUDA: the mask of ops/dropout_kernel.h, a pure function of
// (seed, element index), so CPU and CUDA drop the same elements bit for bit.

#include "ops/dropout_kernel.h"

#include "common.cuh"

#include <ATen/Dispatch.h>

namespace gas {
namespace ops {
namespace cuda {
namespace {

template <typename scalar_t>
__global__ void masked_scale_kernel(const scalar_t* __restrict__ in, scalar_t* __restrict__ out, int64_t n,
                                    uint64_t seed, uint32_t threshold, scalar_t scale) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t chunk = i / kDropoutChunk, local = i - chunk * kDropoutChunk;
    const uint32_t h = mix32(static_cast<uint32_t>(local) * kDropoutGolden ^ dropout_key(seed, chunk));
    out[i] = h >= threshold ? in[i] * scale : scalar_t(0);
  }
}

void dropout_mask(const at::Tensor& x, at::Tensor& out, uint64_t seed, uint32_t threshold, double scale) {
  const int64_t n = x.numel();
  if (n == 0) return;
  const c10::cuda::CUDAGuard guard(x.device());
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "dropout_cuda", [&] {
    masked_scale_kernel<scalar_t><<<elements_grid(n), kThreads, 0, current_stream()>>>(
        x.data_ptr<scalar_t>(), out.data_ptr<scalar_t>(), n, seed, threshold, static_cast<scalar_t>(scale));
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  });
}

}  // namespace

GAS_REGISTER_KERNEL(dropout_mask, CUDA, dropout_mask);

}  // namespace cuda
}  // namespace ops
}  // namespace gas
