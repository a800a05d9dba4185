#include <gas/process.h>

#include <gtest/gtest.h>

#include <cstdlib>
#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif

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

TEST(Process, HugePagesAreAskedForOnlyWhereTheyHelpAndTheUserChoseNothing) {
  EXPECT_EQ(huge_page_tunables(nullptr, "madvise", "2.36"), "glibc.malloc.hugetlb=1");
  EXPECT_EQ(huge_page_tunables(nullptr, "madvise", "2.35"), "glibc.malloc.hugetlb=1");
  EXPECT_EQ(huge_page_tunables(nullptr, "madvise", "3.0"), "glibc.malloc.hugetlb=1");
  EXPECT_EQ(huge_page_tunables(nullptr, "madvise", "2.34"), "") << "glibc before 2.35 has no hugetlb tunable";
  EXPECT_EQ(huge_page_tunables(nullptr, "madvise", "2.9"), "") << "versions compare as numbers, not strings";
  EXPECT_EQ(huge_page_tunables(nullptr, "madvise", ""), "") << "not glibc";
  EXPECT_EQ(huge_page_tunables(nullptr, "always", "2.36"), "") << "every large mapping gets huge pages already";
  EXPECT_EQ(huge_page_tunables(nullptr, "never", "2.36"), "");
  EXPECT_EQ(huge_page_tunables(nullptr, "", "2.36"), "") << "a kernel without THP";
  EXPECT_EQ(huge_page_tunables("glibc.malloc.hugetlb=0", "madvise", "2.36"), "") << "the user's choice stands";
  EXPECT_EQ(huge_page_tunables("", "madvise", "2.36"), "") << "set, even empty, is a choice";
}

TEST(Process, TransparentHugePageModeIsOneTheKernelNames) {
  const std::string mode = transparent_huge_pages();
  EXPECT_TRUE(mode.empty() || mode == "always" || mode == "madvise" || mode == "never") << mode;
  if (mode == "never" || mode.empty()) EXPECT_FALSE(malloc_uses_huge_pages());
  if (mode == "always") EXPECT_TRUE(malloc_uses_huge_pages());
}

#ifdef __GLIBC__
TEST(Process, HugePagesAreReportedFromTheLastHugetlbTunable) {
  if (transparent_huge_pages() != "madvise") GTEST_SKIP() << "THP mode here: '" << transparent_huge_pages() << "'";
  if (huge_page_tunables(nullptr, "madvise", gnu_get_libc_version()).empty()) GTEST_SKIP() << "glibc before 2.35";
  const char* saved = std::getenv("GLIBC_TUNABLES");
  const std::string before = saved ? saved : "";
  const auto with = [](const char* tunables) {
    setenv("GLIBC_TUNABLES", tunables, 1);
    return malloc_uses_huge_pages();
  };
  EXPECT_TRUE(with("glibc.malloc.hugetlb=1"));
  EXPECT_TRUE(with("glibc.malloc.check=0:glibc.malloc.hugetlb=1"));
  EXPECT_TRUE(with("glibc.malloc.hugetlb=2"));
  EXPECT_FALSE(with("glibc.malloc.hugetlb=0"));
  EXPECT_FALSE(with("glibc.malloc.hugetlb=10"));
  EXPECT_FALSE(with("glibc.malloc.hugetlb=1:glibc.malloc.hugetlb=0")) << "the last setting counts";
  EXPECT_FALSE(with("glibc.malloc.check=0"));
  EXPECT_FALSE(with(""));
  if (saved)
    setenv("GLIBC_TUNABLES", before.c_str(), 1);
  else
    unsetenv("GLIBC_TUNABLES");
}
#endif

}  // namespace
}  // namespace gas
