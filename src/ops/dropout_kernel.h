#pragma once
// The kernel behind gas::ops::dropout, one per backend (ops/cpu/dropout_cpu.cpp;
// CUDA in cuda/). Every backend computes the same mask, defined here.

#include "ops/registry.h"

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace gas {
namespace ops {

// A 32-bit finaliser (lowbias32): the hash the mask is built from.
inline constexpr uint32_t mix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

// Elements are hashed in chunks of kDropoutChunk, each with its own key, so
// that a backend can split the work by chunk: element i of chunk c is kept
// when mix32(i * kDropoutGolden ^ dropout_key(seed, c)) >= threshold (the
// product taken modulo 2^32).
constexpr int64_t kDropoutChunk = int64_t{1} << 16;
constexpr uint32_t kDropoutGolden = 0x9E3779B9u;
inline constexpr uint32_t dropout_key(uint64_t seed, int64_t chunk) {
  return mix32(static_cast<uint32_t>(seed) ^ mix32(static_cast<uint32_t>(chunk) ^ static_cast<uint32_t>(seed >> 32)));
}

// out = x * mask * scale for contiguous x and out of one floating type, with
// threshold = p * 2^32 (saturated) and scale = 1 / (1 - p).
GAS_DECLARE_KERNEL(dropout_mask, void(const at::Tensor& x, at::Tensor& out, uint64_t seed, uint32_t threshold,
                                      double scale));

}  // namespace ops
}  // namespace gas
