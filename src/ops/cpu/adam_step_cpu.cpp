#include "ops/adam_step_kernel.h"

#include "ops/cpu/isa.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

namespace gas {
namespace ops {
namespace cpu {
namespace {

// Elements per task: below this a thread's start costs more than the update.
constexpr int64_t kGrain = 32768;

// The loop, without the per-element branches (amsgrad is a template
// argument; LibTorch's order of operations is kept, so no reassociation),
// vectorised as the instruction set allows: this file is compiled with
// -fno-math-errno, without which sqrt would keep every loop scalar (4x
// slower on a GCN's parameters).
template <bool kAmsgrad, typename T>
GAS_INLINE void adam_range(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ m, T* __restrict__ v,
                           T* __restrict__ vmax, int64_t begin, int64_t end, const AdamCoefficients<T>& c) {
  for (int64_t i = begin; i < end; ++i) adam_update(p[i], g[i], m[i], v[i], kAmsgrad ? vmax + i : nullptr, c);
}

void adam_step(at::Tensor& param, const at::Tensor& grad, at::Tensor& exp_avg, at::Tensor& exp_avg_sq,
               at::Tensor& max_exp_avg_sq, const AdamStepArgs& args) {
  AT_DISPATCH_FLOATING_TYPES(param.scalar_type(), "adam_step_cpu", [&] {
    const AdamCoefficients<scalar_t> c(args);
    scalar_t* p = param.data_ptr<scalar_t>();
    const scalar_t* g = grad.data_ptr<scalar_t>();
    scalar_t* m = exp_avg.data_ptr<scalar_t>();
    scalar_t* v = exp_avg_sq.data_ptr<scalar_t>();
    scalar_t* vmax = args.amsgrad ? max_exp_avg_sq.data_ptr<scalar_t>() : nullptr;
    at::parallel_for(0, param.numel(), kGrain, [&](int64_t begin, int64_t end) {
      run_isa([&](auto) GAS_INLINE_LAMBDA {
        if (args.amsgrad) {
          adam_range<true>(p, g, m, v, vmax, begin, end, c);
        } else {
          adam_range<false>(p, g, m, v, vmax, begin, end, c);
        }
      });
    });
  });
}

}  // namespace

GAS_REGISTER_KERNEL(adam_step, CPU, adam_step);

}  // namespace cpu
}  // namespace ops
}  // namespace gas
