// A CUDA model's host histories are pinned by cudaHostAlloc for exactly the
// bytes asked, not through LibTorch's caching host allocator, which rounds
// every block up to a power of two (a 20 GiB history would pin 32 GiB). The
// driver reports the size of the allocation behind a pointer; it is read
// through the runtime's entry point so that the test binary does not link
// the driver and still starts where there is none.
#include <gas/build_info.h>

#include <gas/history/storage.h>

#include "common/test_utils.h"

#if GAS_BUILT_WITH_CUDA
#include <cuda.h>
#include <cuda_runtime_api.h>
#endif

namespace gas {
namespace {

TEST(CudaHostMemory, PinnedHistoriesHoldTheBytesAskedNotAPowerOfTwo) {
  GAS_REQUIRE_CUDA();
#if GAS_BUILT_WITH_CUDA
  // 300000 x 3 floats: 3,600,000 bytes; a power-of-two allocator gives 4 MiB.
  const int64_t rows = 300000, width = 3, asked = rows * width * 4;
  // What the store's host backend allocates for a CUDA device.
  const auto storage = host_history_backend()->allocate(rows, width, c10::Device(c10::kCUDA, 0));
  const auto* tensor_storage = dynamic_cast<const TensorHistoryStorage*>(storage.get());
  ASSERT_NE(tensor_storage, nullptr);
  const at::Tensor& history = tensor_storage->tensor();
  ASSERT_TRUE(history.is_pinned());
  void* entry = nullptr;
  cudaDriverEntryPointQueryResult found{};
  ASSERT_EQ(cudaGetDriverEntryPointByVersion("cuPointerGetAttribute", &entry, 12000, cudaEnableDefault, &found),
            cudaSuccess);
  ASSERT_EQ(found, cudaDriverEntryPointSuccess);
  const auto get_attribute = reinterpret_cast<CUresult (*)(void*, CUpointer_attribute, CUdeviceptr)>(entry);
  const void* base = history.data_ptr();
  size_t range = 0;
  ASSERT_EQ(get_attribute(&range, CU_POINTER_ATTRIBUTE_RANGE_SIZE, reinterpret_cast<CUdeviceptr>(base)), CUDA_SUCCESS);
  EXPECT_GE(static_cast<int64_t>(range), asked);
  EXPECT_LT(static_cast<int64_t>(range), asked + 2 * 1024 * 1024) << "more than page rounding: " << range << " bytes";
  EXPECT_NE(static_cast<int64_t>(range), int64_t{4} << 20) << "rounded to a power of two";
#endif
}

}  // namespace
}  // namespace gas
