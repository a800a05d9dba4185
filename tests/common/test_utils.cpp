#include "common/test_utils.h"

#include <gas/build_info.h>
#include <gas/ops/devices.h>
#include <gas/partition.h>

#include <torch/cuda.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <vector>

namespace gas {
namespace testing {

bool file_exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string cuda_missing() {
  if (!GAS_BUILT_WITH_CUDA || !ops::has_kernels_for(c10::DeviceType::CUDA))
    return "this build of gas has no CUDA kernels (kernels for: " + ops::kernel_devices() + ")";
  if (!torch::cuda::is_available()) return "no CUDA device visible";
  return "";
}

std::string temp_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "gas_tests" /
                              (std::string(info->test_suite_name()) + "." + info->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

std::string write_file(const std::string& path, const std::string& content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out << content;
  return path;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

CSR cycle_graph(int64_t n) {
  std::vector<int64_t> src, dst;
  for (int64_t i = 0; i < n; ++i) {
    src.push_back(i);
    dst.push_back((i + 1) % n);
  }
  const at::Tensor ei = at::stack({at::tensor(src), at::tensor(dst)});
  return to_symmetric(csr_from_edge_index(ei, n, n));
}

CSR random_graph(int64_t n, double degree, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int64_t> node(0, n - 1);
  std::vector<int64_t> src, dst;
  const int64_t m = static_cast<int64_t>(n * degree / 2);
  for (int64_t e = 0; e < m; ++e) {
    const int64_t u = node(rng), v = node(rng);
    if (u == v) continue;
    src.push_back(u);
    dst.push_back(v);
  }
  const at::Tensor ei = at::stack({at::tensor(src, at::kLong), at::tensor(dst, at::kLong)});
  return to_symmetric(csr_from_edge_index(ei, n, n));
}

Dataset random_dataset(const CSR& adj, int64_t features) {
  const int64_t n = adj.num_rows;
  at::Tensor x = at::randn({n, features});
  at::Tensor y = at::randint(0, 3, {n}, at::kLong);
  return {"g", adj, x, y, at::ones({n}, at::kBool), {}, {}, 3};
}

PartitionedGraph partitioned_graph(int64_t n, int64_t parts, uint64_t seed) {
  const CSR raw = gcn_norm(random_graph(n, 4, seed));
  const Partition p = has_metis() ? metis(raw, parts) : random_partition(n, parts, 0);
  return {permute(raw, p.perm), p.ptr};
}

double max_rel_diff(const at::Tensor& a, const at::Tensor& b) {
  const at::Tensor bd = b.to(at::kDouble);
  const double scale = std::max(1.0, bd.abs().max().item<double>());
  return (a.to(at::kDouble) - bd).abs().max().item<double>() / scale;
}

}  // namespace testing
}  // namespace gas
