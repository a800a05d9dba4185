// Adam's update on CUDA: one thread per element, the update of
// ops/adam_step_kernel.h that the CPU kernel runs too.

#include "ops/adam_step_kernel.h"

#include "common.cuh"

#include <ATen/Dispatch.h>

namespace gas {
namespace ops {
namespace cuda {
namespace {

template <typename scalar_t>
__global__ void adam_kernel(scalar_t* __restrict__ p, const scalar_t* __restrict__ g, scalar_t* __restrict__ m,
                            scalar_t* __restrict__ v, scalar_t* __restrict__ vmax, int64_t n,
                            AdamCoefficients<scalar_t> c) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    adam_update(p[i], g[i], m[i], v[i], vmax ? vmax + i : nullptr, c);
}

void adam_step(at::Tensor& param, const at::Tensor& grad, at::Tensor& exp_avg, at::Tensor& exp_avg_sq,
               at::Tensor& max_exp_avg_sq, const AdamStepArgs& args) {
  const int64_t n = param.numel();
  if (n == 0) return;
  const c10::cuda::CUDAGuard guard(param.device());
  AT_DISPATCH_FLOATING_TYPES(param.scalar_type(), "adam_step_cuda", [&] {
    adam_kernel<scalar_t><<<elements_grid(n), kThreads, 0, current_stream()>>>(
        param.data_ptr<scalar_t>(), grad.data_ptr<scalar_t>(), exp_avg.data_ptr<scalar_t>(),
        exp_avg_sq.data_ptr<scalar_t>(), args.amsgrad ? max_exp_avg_sq.data_ptr<scalar_t>() : nullptr, n,
        AdamCoefficients<scalar_t>(args));
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  });
}

}  // namespace

GAS_REGISTER_KERNEL(adam_step, CUDA, adam_step);

}  // namespace cuda
}  // namespace ops
}  // namespace gas
