// The kernel registry: one dispatch point per op and device, an error naming
// the op and the device where a kernel is missing, and kernels whose results
// are fixed by their definition (checked here against loops written from it).
#include <gas/ops/devices.h>
#include <gas/ops/dropout.h>
#include <gas/ops/expand_rowptr.h>
#include <gas/ops/gather.h>
#include <gas/ops/segment_softmax.h>
#include <gas/ops/spmm.h>

#include "common/test_utils.h"

namespace gas {
namespace {

// This build compiles no CUDA kernels (cuda/ is empty), so device=auto must
// not pick CUDA even on a machine with a GPU; the CUDA issue changes this test.
TEST(Kernels, EveryOpHasCpuKernelsAndNoneHasCudaOnesYet) {
  EXPECT_TRUE(ops::has_kernels_for(c10::DeviceType::CPU));
  EXPECT_FALSE(ops::has_kernels_for(c10::DeviceType::CUDA));
  EXPECT_EQ(ops::kernel_devices(), "cpu");
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

TEST(Kernels, ExpandRowptrGivesEachEntryItsRow) {
  const at::Tensor rowptr = at::tensor({0, 2, 2, 5, 6}, at::kLong);
  EXPECT_TRUE(at::equal(ops::expand_rowptr(rowptr, 6), at::tensor({0, 0, 2, 2, 2, 3}, at::kLong)));
  EXPECT_EQ(ops::expand_rowptr(at::zeros({1}, at::kLong), 0).numel(), 0);
  EXPECT_THROW_WITH(ops::expand_rowptr(rowptr, 7), "rowptr ends at 6, nnz is 7");
}

// The mask as ops/dropout.h defines it, element by element: a pure function
// of (seed, index), which a CUDA kernel must reproduce bit for bit.
uint32_t mix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

TEST(Kernels, DropoutMaskIsTheHashOfSeedAndIndex) {
  const int64_t n = (int64_t{1} << 16) + 777;  // two chunks
  const double p = 0.3;
  const uint64_t seed = 0x1234567890abcdefULL;
  const at::Tensor x = at::rand({n}, at::kDouble) + 1.0;
  const at::Tensor out = ops::dropout(x, p, seed);
  const uint32_t threshold = static_cast<uint32_t>(p * 4294967296.0);
  const double* xp = x.data_ptr<double>();
  const double* op = out.data_ptr<double>();
  int64_t mismatches = 0, kept = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t chunk = i >> 16, local = i & 0xffff;
    const uint32_t key = mix32(static_cast<uint32_t>(seed) ^
                               mix32(static_cast<uint32_t>(chunk) ^ static_cast<uint32_t>(seed >> 32)));
    const bool keep = mix32(static_cast<uint32_t>(local) * 0x9E3779B9u ^ key) >= threshold;
    const double expected = keep ? xp[i] * (1.0 / (1.0 - p)) : 0.0;
    mismatches += op[i] != expected;
    kept += keep;
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_NEAR(static_cast<double>(kept) / n, 1.0 - p, 0.01);
}

}  // namespace
}  // namespace gas
