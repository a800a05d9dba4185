#include <gas/blas.h>

#include <gtest/gtest.h>

namespace gas {
namespace {

TEST(Blas, PreAvxKernelsOnAVectorCpuAreOverridden) {
  EXPECT_EQ(openblas_core_override("Prescott", true, true), "SkylakeX");
  EXPECT_EQ(openblas_core_override("Prescott", false, true), "Haswell");
  EXPECT_EQ(openblas_core_override("Nehalem", false, true), "Haswell");
  EXPECT_EQ(openblas_core_override("Prescott", false, false), "") << "a CPU without AVX2 keeps its kernels";
  EXPECT_EQ(openblas_core_override("SkylakeX", true, true), "") << "a recognised CPU keeps OpenBLAS's choice";
  EXPECT_EQ(openblas_core_override("Zen", false, true), "");
  EXPECT_EQ(openblas_core_override("", true, true), "") << "no OpenBLAS, nothing to override";
}

TEST(Blas, OpenBlasNamesItsKernelsWhenLoaded) {
  if (loaded_blas().find("openblas") == std::string::npos) GTEST_SKIP() << "no OpenBLAS here: " << loaded_blas();
  EXPECT_FALSE(openblas_core().empty());
}

}  // namespace
}  // namespace gas
