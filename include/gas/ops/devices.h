#pragma once
/// \file
/// Which devices this build of gas has kernels for.

#include <gas/macros.h>

#include <c10/core/Device.h>
#include <c10/core/DeviceType.h>

#include <cstdint>
#include <string>

namespace gas {
namespace ops {

/// True when every op has a kernel for `type` (the CPU always; CUDA in a
/// build with the CUDA kernels).
GAS_API bool has_kernels_for(c10::DeviceType type);

/// The device types every op has kernels for, e.g. "cpu" or "cpu, cuda".
GAS_API std::string kernel_devices();

/// Peak bytes allocated on `device` since the last reset (`reset` starts a
/// new window and returns 0), or -1 where the device keeps no count of its
/// own (the CPU: its memory is the process's, reported as peak RSS).
GAS_API int64_t device_memory_peak(c10::Device device, bool reset = false);

}  // namespace ops
}  // namespace gas
