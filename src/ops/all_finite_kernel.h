#pragma once
// The kernels behind gas::ops::all_finite, one per backend
// (ops/cpu/all_finite_cpu.cpp; CUDA in cuda/). The front op passes the
// defined float and double tensors, at least one, all on one device.

#include "ops/registry.h"

#include <ATen/core/Tensor.h>

#include <vector>

namespace gas {
namespace ops {

// A bool scalar on the tensors' device: all elements finite.
GAS_DECLARE_KERNEL(all_finite, at::Tensor(const std::vector<at::Tensor>& tensors));

}  // namespace ops
}  // namespace gas
