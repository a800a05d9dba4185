#pragma once
// The kernels behind gas::ops::segment_softmax, one per backend
// (ops/cpu/segment_softmax_cpu.cpp; CUDA in cuda/).

#include "ops/registry.h"

#include <ATen/core/Tensor.h>

namespace gas {
namespace ops {

// Softmax of src [nnz, H] within the entries of each row.
GAS_DECLARE_KERNEL(segment_softmax, at::Tensor(const at::Tensor& src, const at::Tensor& rowptr));

// Given the forward output, grad_src = out * (grad_out - row sum of grad_out * out).
GAS_DECLARE_KERNEL(segment_softmax_backward,
                   at::Tensor(const at::Tensor& out, const at::Tensor& grad_out, const at::Tensor& rowptr));

}  // namespace ops
}  // namespace gas
