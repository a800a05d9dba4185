#pragma once
/// \file
/// Which devices this build of gas has kernels for.

#include <gas/macros.h>

#include <c10/core/Device.h>
#include <c10/core/DeviceType.h>

#include <string>

namespace gas {
namespace ops {

/// True when every op has a kernel for `type` (the CPU always; CUDA in a
/// build with the CUDA kernels).
GAS_API bool has_kernels_for(c10::DeviceType type);

/// The device types every op has kernels for, e.g. "cpu" or "cpu, cuda".
GAS_API std::string kernel_devices();

}  // namespace ops
}  // namespace gas
