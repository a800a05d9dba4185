#pragma once
// Shared helpers of the test suite: data location, skip-or-fail for absent
// files, error-message assertions, small graph fixtures.

#include <gas/datasets/dataset.h>
#include <gas/graph.h>

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace gas {
namespace testing {

/// $GAS_DATA_DIR, or ../shared/data beside the project.
inline std::string data_dir() {
  const char* env = std::getenv("GAS_DATA_DIR");
  return env && *env ? env : GAS_TEST_DEFAULT_DATA_DIR;
}

inline bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) == "true";
}

/// A scratch directory for the current test, created empty.
std::string temp_dir();

/// Writes bytes to a file (creating directories); returns the path.
std::string write_file(const std::string& path, const std::string& content);

/// Reads a whole file.
std::string read_file(const std::string& path);

/// Undirected cycle 0-1-...-(n-1)-0 as a symmetric CSR without self-loops.
CSR cycle_graph(int64_t n);

/// A seeded random symmetric graph without self-loops, about `degree` neighbours per node.
CSR random_graph(int64_t n, double degree, uint64_t seed);

/// random_graph(n, 4, seed), GCN-normalised, partitioned into `parts` (METIS
/// where built, else randomly) and permuted so each part's nodes are
/// contiguous: the setup of the training tests.
struct PartitionedGraph {
  CSR adj;
  at::Tensor ptr;
};
PartitionedGraph partitioned_graph(int64_t n, int64_t parts, uint64_t seed);

/// A dataset on `adj`: random features [n, features], then labels of 3
/// classes, drawn in that order from the global generator; every node trains.
Dataset random_dataset(const CSR& adj, int64_t features);

/// max |a - b| / max(1, max |b|).
double max_rel_diff(const at::Tensor& a, const at::Tensor& b);

}  // namespace testing
}  // namespace gas

/// Skips the test when `path` is absent, or fails it when CI=true.
#define GAS_REQUIRE_FILE(path)                                                               \
  do {                                                                                       \
    if (!::gas::testing::file_exists(path)) {                                                \
      if (::gas::testing::in_ci()) FAIL() << "required data file missing in CI: " << (path); \
      GTEST_SKIP() << "data file not present: " << (path) << " (set GAS_DATA_DIR)";          \
    }                                                                                        \
  } while (0)

/// Expects `statement` to throw an exception whose message contains `substring`.
#define EXPECT_THROW_WITH(statement, substring)                                                                 \
  do {                                                                                                          \
    bool gas_thrown_ = false;                                                                                   \
    try {                                                                                                       \
      statement;                                                                                                \
    } catch (const std::exception& gas_e_) {                                                                    \
      gas_thrown_ = true;                                                                                       \
      EXPECT_NE(std::string(gas_e_.what()).find(substring), std::string::npos) << "message: " << gas_e_.what(); \
    }                                                                                                           \
    EXPECT_TRUE(gas_thrown_) << #statement " did not throw";                                                    \
  } while (0)

namespace gas {
namespace testing {
bool file_exists(const std::string& path);
/// Why a CUDA test cannot run here ("" when it can): no CUDA kernels in this
/// build, or no device.
std::string cuda_missing();
}  // namespace testing
}  // namespace gas

/// Skips a test that needs a CUDA device and gas's CUDA kernels, in one line
/// saying which is missing (also under CI: its machines have no GPU).
#define GAS_REQUIRE_CUDA()                                                   \
  do {                                                                       \
    const std::string gas_missing_ = ::gas::testing::cuda_missing();         \
    if (!gas_missing_.empty()) GTEST_SKIP() << "CUDA test: " << gas_missing_; \
  } while (0)
