#pragma once
/// \file
/// Dropout fused into the product that follows it: a GNN's first layer on
/// dense input features.

#include <gas/macros.h>

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace gas {
namespace ops {

/// ops::dropout(x, p, seed).matmul(w) without the dropped copy of x: each
/// row of x is masked into a buffer of the thread's own (the same mask as
/// ops::dropout, so the two agree up to the order of summation) and
/// multiplied there. For the narrow products of a first layer (a 1433- or
/// 3703-wide input times 16 columns) the composition makes three passes over
/// the step's largest tensor, dropout's copy and the GEMM's packing of it,
/// and faults the copy in; this makes one. p = 0 multiplies without a mask.
/// x [m, k], w [k, n], 0 <= p < 1; differentiable in both (on the CPU the
/// forward keeps the mask, a byte an element, which the weight's gradient
/// reads instead of hashing again). float32 tensors run the fused
/// kernel; other types run the composition.
/// With `rows` (int64 [m']): the product of those rows of x, equal to
/// dropout_matmul(x.index_select(0, rows), w, p, seed) (the same mask: that
/// of the gathered matrix) without gathering them: x may then be a graph's
/// whole feature matrix and rows a batch's nodes. Indices are checked.
GAS_API at::Tensor dropout_matmul(const at::Tensor& x, const at::Tensor& w, double p, uint64_t seed,
                                  const at::Tensor& rows = {});

}  // namespace ops
}  // namespace gas
