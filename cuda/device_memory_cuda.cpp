// Peak device memory on CUDA: the caching allocator's peak of allocated
// bytes (what tensors held, not what the allocator reserved).

#include "ops/device_memory_kernel.h"

#include <c10/cuda/CUDACachingAllocator.h>

namespace gas {
namespace ops {
namespace cuda {
namespace {

int64_t device_memory_peak(c10::DeviceIndex index, bool reset) {
  if (reset) {
    c10::cuda::CUDACachingAllocator::resetPeakStats(index);
    return 0;
  }
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(index);
  return stats.allocated_bytes[static_cast<size_t>(c10::CachingAllocator::StatType::AGGREGATE)].peak;
}

}  // namespace

GAS_REGISTER_KERNEL(device_memory_peak, CUDA, device_memory_peak);

}  // namespace cuda
}  // namespace ops
}  // namespace gas
