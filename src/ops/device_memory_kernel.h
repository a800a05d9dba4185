#pragma once
// The kernel behind gas::ops::device_memory_peak, one per backend
// (ops/cpu/device_memory_cpu.cpp; cuda/device_memory_cuda.cpp).

#include "ops/registry.h"

#include <c10/core/Device.h>

#include <cstdint>

namespace gas {
namespace ops {

// Peak bytes allocated on device `index` since the last reset, or -1; with
// `reset`, starts a new window.
GAS_DECLARE_KERNEL(device_memory_peak, int64_t(c10::DeviceIndex index, bool reset));

}  // namespace ops
}  // namespace gas
