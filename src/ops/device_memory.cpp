#include <gas/ops/devices.h>

#include "ops/device_memory_kernel.h"

namespace gas {
namespace ops {

GAS_DEFINE_KERNEL(device_memory_peak)

int64_t device_memory_peak(c10::Device device, bool reset) {
  return GAS_KERNEL(device_memory_peak, device)(device.has_index() ? device.index() : 0, reset);
}

}  // namespace ops
}  // namespace gas
