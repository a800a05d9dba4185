#pragma once
// CPU kernels behind gas::ops::segment_softmax.

#include <ATen/core/Tensor.h>

namespace gas {
namespace ops {
namespace cpu {

// Softmax of src [nnz, H] within the entries of each row.
at::Tensor segment_softmax(const at::Tensor& src, const at::Tensor& rowptr);

// Given the forward output, grad_src = out * (grad_out - row sum of grad_out * out).
at::Tensor segment_softmax_backward(const at::Tensor& out, const at::Tensor& grad_out, const at::Tensor& rowptr);

}  // namespace cpu
}  // namespace ops
}  // namespace gas
