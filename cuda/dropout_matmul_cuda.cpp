// Dropout fused into the product on CUDA: composed from dropout's CUDA mask
// and cuBLAS. On a GPU the dropped copy lives in device memory and the GEMM
// does not pack it on the host: the reason for the CPU kernel's fusion
// (ops/cpu/dropout_matmul_cpu.cpp) does not arise, and cuBLAS is the better
// product for any width.

#include "ops/dropout_kernel.h"
#include "ops/dropout_matmul_kernel.h"

#include <ATen/ATen.h>

namespace gas {
namespace ops {
namespace cuda {
namespace {

// x's rows (gathered when given), masked.
at::Tensor masked(const at::Tensor& x, const at::Tensor& rows, uint64_t seed, uint32_t threshold, double scale) {
  const at::Tensor in = rows.defined() ? x.index_select(0, rows) : x;
  if (threshold == 0) return in;
  at::Tensor out = at::empty_like(in);
  GAS_KERNEL(dropout_mask, in.device())(in, out, seed, threshold, scale);
  return out;
}

// The mask is recomputed in the backward: on a GPU the hash is cheap next
// to the product, so the forward leaves nothing for it.
void dropout_matmul_forward(const at::Tensor& x, const at::Tensor& rows, const at::Tensor& w, at::Tensor& out,
                            uint64_t seed, uint32_t threshold, double scale, at::Tensor* /*for_backward*/) {
  at::mm_out(out, masked(x, rows, seed, threshold, scale), w);
}

void dropout_matmul_grad_w(const at::Tensor& x, const at::Tensor& rows, const at::Tensor& grad_out, at::Tensor& grad_w,
                           uint64_t seed, uint32_t threshold, double scale, const at::Tensor& /*from_forward*/) {
  at::mm_out(grad_w, masked(x, rows, seed, threshold, scale).t(), grad_out);
}

}  // namespace

GAS_REGISTER_KERNEL(dropout_matmul_forward, CUDA, dropout_matmul_forward);
GAS_REGISTER_KERNEL(dropout_matmul_grad_w, CUDA, dropout_matmul_grad_w);

}  // namespace cuda
}  // namespace ops
}  // namespace gas
