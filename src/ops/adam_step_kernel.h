#pragma once
// The kernels behind gas::ops::adam_step, one per backend
// (ops/cpu/adam_step_cpu.cpp; CUDA in cuda/), and the per-element update
// they share, so that every backend rounds alike.

#include <gas/ops/adam_step.h>

#include "ops/registry.h"

#include <ATen/core/Tensor.h>

#include <cmath>

// The update is inlined wherever it is called: into the CUDA kernel, and
// into the CPU loop compiled for each instruction set (ops/cpu/isa.h).
#ifdef __CUDACC__
#define GAS_ELEMENTWISE __host__ __device__ __forceinline__
#else
#define GAS_ELEMENTWISE inline __attribute__((always_inline))
#endif

namespace gas {
namespace ops {

// A step's coefficients in the parameter's type, converted once (as
// LibTorch's ops convert their scalar arguments).
template <typename T>
struct AdamCoefficients {
  T weight_decay, beta1, one_minus_beta1, beta2, one_minus_beta2, sqrt_bias_correction2, eps, neg_step_size;
  bool amsgrad;

  explicit AdamCoefficients(const AdamStepArgs& a)
      : weight_decay(T(a.weight_decay)),
        beta1(T(a.beta1)),
        one_minus_beta1(T(1 - a.beta1)),
        beta2(T(a.beta2)),
        one_minus_beta2(T(1 - a.beta2)),
        sqrt_bias_correction2(T(std::sqrt(1 - std::pow(a.beta2, double(a.step))))),
        eps(T(a.eps)),
        neg_step_size(T(-a.lr / (1 - std::pow(a.beta1, double(a.step))))),
        amsgrad(a.amsgrad) {}
};

// One element's update, in LibTorch's order of operations; vmax only with
// amsgrad.
template <typename T>
GAS_ELEMENTWISE void adam_update(T& p, T g, T& m, T& v, T* vmax, const AdamCoefficients<T>& c) {
  using std::sqrt;
  if (c.weight_decay != T(0)) g = g + c.weight_decay * p;
  m = m * c.beta1 + c.one_minus_beta1 * g;
  v = v * c.beta2 + c.one_minus_beta2 * g * g;
  T second = v;
  if (vmax != nullptr) {
    *vmax = *vmax < v ? v : *vmax;
    second = *vmax;
  }
  p = p + c.neg_step_size * (m / (sqrt(second) / c.sqrt_bias_correction2 + c.eps));
}

// The update over contiguous tensors of one type and shape;
// max_exp_avg_sq only with args.amsgrad.
GAS_DECLARE_KERNEL(adam_step, void(at::Tensor& param, const at::Tensor& grad, at::Tensor& exp_avg,
                                   at::Tensor& exp_avg_sq, at::Tensor& max_exp_avg_sq, const AdamStepArgs& args));

}  // namespace ops
}  // namespace gas
