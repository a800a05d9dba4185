// The kernel registry: one dispatch point per op and device, and an error
// naming the op and the device where a kernel is missing.
#include <gas/build_info.h>
#include <gas/ops/devices.h>
#include <gas/ops/dropout.h>
#include <gas/ops/expand_rowptr.h>
#include <gas/ops/gather.h>
#include <gas/ops/segment_softmax.h>
#include <gas/ops/spmm.h>

#include "common/test_utils.h"

namespace gas {
namespace {

// Every op has CUDA kernels exactly in a build that compiled cuda/ (against
// a CUDA LibTorch); without them device=auto must not pick CUDA even on a
// machine with a GPU.
TEST(Kernels, EveryOpHasCpuKernelsAndCudaOnesExactlyInACudaBuild) {
  EXPECT_TRUE(ops::has_kernels_for(c10::DeviceType::CPU));
  EXPECT_EQ(ops::has_kernels_for(c10::DeviceType::CUDA), GAS_BUILT_WITH_CUDA == 1);
  EXPECT_EQ(ops::kernel_devices(), GAS_BUILT_WITH_CUDA ? "cpu, cuda" : "cpu");
}

// Meta tensors have shapes and no data: a device no op has a kernel for.
TEST(Kernels, AMissingKernelNamesTheOpAndTheDevice) {
  const at::TensorOptions meta = at::TensorOptions(at::kMeta);
  EXPECT_THROW_WITH(ops::gather_rows(at::empty({4, 2}, meta), at::empty({2}, meta.dtype(at::kLong))),
                    "gather_rows_out: no kernel for device meta");
  EXPECT_THROW_WITH(ops::expand_rowptr(at::empty({3}, meta.dtype(at::kLong)), 4),
                    "expand_rowptr: no kernel for device meta");
  EXPECT_THROW_WITH(ops::dropout(at::empty({4}, meta), 0.5, 1), "dropout_mask: no kernel for device meta");
  EXPECT_THROW_WITH(ops::segment_softmax(at::empty({3}, meta), at::tensor({0, 3}, at::kLong).to(at::kMeta)),
                    "no kernel for device meta");
}

}  // namespace
}  // namespace gas
