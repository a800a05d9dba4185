#pragma once
/// \file
/// The finiteness check of a training step: loss and gradients in one op.

#include <gas/macros.h>

#include <ATen/core/Tensor.h>

#include <vector>

namespace gas {
namespace ops {

/// Whether every element of every tensor is finite (neither NaN nor
/// infinite), as a bool scalar on their device, so that a CUDA step asks
/// without waiting. On the CPU one pass over each tensor, where
/// isfinite(t).all() per tensor and their conjunction were 3 ops a tensor
/// (~0.15 ms a step for a two-layer GCN, as much as its Adam step). Tensors
/// on one device; undefined ones are skipped; integer and bool ones are
/// finite; at least one defined tensor.
GAS_API at::Tensor all_finite(const std::vector<at::Tensor>& tensors);

}  // namespace ops
}  // namespace gas
