#pragma once
// The host memory of host-resident histories, by the device that computes
// on them: plain for the CPU (history/storage.cpp), pinned for CUDA so that
// transfers are asynchronous and a kernel can read rows in place
// (cuda/host_memory_cuda.cpp, cudaHostAlloc: LibTorch's caching host
// allocator would round every history up to a power of two). Chosen through
// the ops' dispatch tables, so a device type brings its own.

#include "ops/registry.h"

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace gas {
namespace ops {

// Zeroed [rows, width] of dtype, contiguous, in host memory.
GAS_DECLARE_KERNEL(host_history_zeros, at::Tensor(int64_t rows, int64_t width, at::ScalarType dtype));

}  // namespace ops
}  // namespace gas
