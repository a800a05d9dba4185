#include "ops/device_memory_kernel.h"

namespace gas {
namespace ops {
namespace cpu {
namespace {

// The CPU's memory is the process's: peak RSS (util/system.h) counts it.
int64_t device_memory_peak(c10::DeviceIndex, bool) { return -1; }

}  // namespace

GAS_REGISTER_KERNEL(device_memory_peak, CPU, device_memory_peak);

}  // namespace cpu
}  // namespace ops
}  // namespace gas
