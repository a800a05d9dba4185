#pragma once
/// \file
/// The counter-based dropout mask behind gas::nn::dropout.

#include <gas/macros.h>

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace gas {
namespace ops {

/// Inverted dropout with the mask of (p, seed): element i of the flattened x
/// is zeroed when a hash of (seed, i) falls below p, and scaled by 1 / (1 - p)
/// otherwise. Being a pure function of the index, the mask needs no storage,
/// is the same on every device for the same seed, and the backward pass
/// recomputes it. Differentiable; float and double; 0 <= p < 1.
GAS_API at::Tensor dropout(const at::Tensor& x, double p, uint64_t seed);

}  // namespace ops
}  // namespace gas
