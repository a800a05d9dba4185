#pragma once
// The kernels behind gas::ops::dropout_matmul, one per backend
// (ops/cpu/dropout_matmul_cpu.cpp; CUDA in cuda/). The mask is dropout's
// (ops/dropout_kernel.h): element (i, j) of x is element i * k + j of its
// flattening. threshold 0 keeps everything (p = 0).

#include "ops/registry.h"

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace gas {
namespace ops {

// out [m, n] = (x[rows] * mask * scale) w [k, n]; float32, contiguous; rows
// (int64 [m], checked) or, undefined, all of x's m rows in order; the mask is
// that of the gathered [m, k] matrix. A backend may leave in for_backward
// what its grad_w wants of this call (the CPU: the mask, so that the
// backward does not hash again); for_backward is null when no backward
// will run.
GAS_DECLARE_KERNEL(dropout_matmul_forward,
                   void(const at::Tensor& x, const at::Tensor& rows, const at::Tensor& w, at::Tensor& out,
                        uint64_t seed, uint32_t threshold, double scale, at::Tensor* for_backward));
// grad_w [k, n] = (x[rows] * mask * scale)^T grad_out [m, n], as above;
// from_forward is what the forward left.
GAS_DECLARE_KERNEL(dropout_matmul_grad_w,
                   void(const at::Tensor& x, const at::Tensor& rows, const at::Tensor& grad_out, at::Tensor& grad_w,
                        uint64_t seed, uint32_t threshold, double scale, const at::Tensor& from_forward));

}  // namespace ops
}  // namespace gas
