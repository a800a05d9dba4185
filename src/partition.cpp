#include <gas/partition.h>

#include <gas/build_info.h>
#include <gas/ops/expand_rowptr.h>

#include <ATen/ATen.h>

#include <limits>
#include <numeric>
#include <random>
#include <vector>

#if GAS_BUILT_WITH_METIS
#include <metis.h>
#endif

namespace gas {
namespace {

// Groups nodes by part id with a stable counting sort: perm lists the nodes of
// part 0, then part 1, ..., each in increasing node order.
Partition group_by_part(const std::vector<int64_t>& part, int64_t num_parts) {
  const int64_t n = static_cast<int64_t>(part.size());
  at::Tensor ptr = at::zeros({num_parts + 1}, at::kLong);
  int64_t* p = ptr.data_ptr<int64_t>();
  for (int64_t v = 0; v < n; ++v) ++p[part[v] + 1];
  for (int64_t i = 0; i < num_parts; ++i) p[i + 1] += p[i];
  at::Tensor perm = at::empty({n}, at::kLong);
  int64_t* q = perm.data_ptr<int64_t>();
  std::vector<int64_t> cursor(p, p + num_parts);
  for (int64_t v = 0; v < n; ++v) q[cursor[part[v]]++] = v;
  return Partition{perm, ptr};
}

Partition single_part(int64_t num_nodes) {
  return Partition{at::arange(num_nodes, at::kLong), at::tensor({int64_t{0}, num_nodes}, at::kLong)};
}

void check_num_parts(int64_t num_nodes, int64_t num_parts) {
  TORCH_CHECK(num_nodes >= 0, "partition: negative node count ", num_nodes);
  TORCH_CHECK(num_parts <= std::max<int64_t>(num_nodes, 1), "partition: num_parts = ", num_parts,
              " exceeds the number of nodes (", num_nodes, "); use at most ", num_nodes, " parts");
}

}  // namespace

at::Tensor Partition::assignment() const {
  const int64_t n = perm.numel();
  at::Tensor part = at::empty({n}, at::kLong);
  const int64_t* p = ptr.data_ptr<int64_t>();
  const int64_t* q = perm.data_ptr<int64_t>();
  int64_t* out = part.data_ptr<int64_t>();
  for (int64_t k = 0; k < num_parts(); ++k)
    for (int64_t i = p[k]; i < p[k + 1]; ++i) out[q[i]] = k;
  return part;
}

PartitionMethod parse_partition_method(const std::string& name) {
  if (name == "metis") return PartitionMethod::Metis;
  if (name == "metis_recursive") return PartitionMethod::MetisRecursive;
  if (name == "random") return PartitionMethod::Random;
  if (name == "range") return PartitionMethod::Range;
  TORCH_CHECK(false, "unknown partition method '", name, "' (valid: metis, metis_recursive, random, range)");
}

std::string to_string(PartitionMethod method) {
  switch (method) {
    case PartitionMethod::Metis:
      return "metis";
    case PartitionMethod::MetisRecursive:
      return "metis_recursive";
    case PartitionMethod::Random:
      return "random";
    case PartitionMethod::Range:
      return "range";
  }
  return "?";
}

bool has_metis() {
#if GAS_BUILT_WITH_METIS
  return true;
#else
  return false;
#endif
}

Partition metis(const CSR& adj, int64_t num_parts, bool recursive, int64_t seed) {
  TORCH_CHECK(adj.num_rows == adj.num_cols, "metis: expected a square adjacency, got ", adj.num_rows, " x ",
              adj.num_cols);
  check_num_parts(adj.num_rows, num_parts);
  if (num_parts <= 1) return single_part(adj.num_rows);
#if !GAS_BUILT_WITH_METIS
  (void)recursive;
  (void)seed;
  TORCH_CHECK(false, "metis: gas was built without METIS (GAS_WITH_METIS=OFF); use the random partitioner");
#else
  // METIS requires a symmetric graph without self-loops.
  const CSR sym = remove_self_loops(to_symmetric(adj.to(at::kCPU).with_value({})));
  const int64_t n = sym.num_rows, nnz = sym.nnz();
  constexpr int64_t kMax = std::numeric_limits<idx_t>::max();
  TORCH_CHECK(n <= kMax && nnz <= kMax, "metis: the graph has ", n, " nodes and ", nnz,
              " directed edges, beyond the range of this METIS build's ", sizeof(idx_t) * 8, "-bit indices (max ", kMax,
              "); use the random partitioner or a 64-bit METIS");
  std::vector<idx_t> xadj(n + 1), adjncy(nnz), part(n);
  const int64_t* rp = sym.rowptr.data_ptr<int64_t>();
  const int64_t* c = sym.col.data_ptr<int64_t>();
  for (int64_t i = 0; i <= n; ++i) xadj[i] = static_cast<idx_t>(rp[i]);
  for (int64_t e = 0; e < nnz; ++e) adjncy[e] = static_cast<idx_t>(c[e]);

  idx_t options[METIS_NOPTIONS];
  METIS_SetDefaultOptions(options);
  options[METIS_OPTION_SEED] = static_cast<idx_t>(seed);
  idx_t nvtxs = static_cast<idx_t>(n), ncon = 1, nparts = static_cast<idx_t>(num_parts), objval = 0;
  const int status = recursive
                         ? METIS_PartGraphRecursive(&nvtxs, &ncon, xadj.data(), adjncy.data(), nullptr, nullptr,
                                                    nullptr, &nparts, nullptr, nullptr, options, &objval, part.data())
                         : METIS_PartGraphKway(&nvtxs, &ncon, xadj.data(), adjncy.data(), nullptr, nullptr, nullptr,
                                               &nparts, nullptr, nullptr, options, &objval, part.data());
  TORCH_CHECK(status == METIS_OK, "metis: METIS_PartGraph", recursive ? "Recursive" : "Kway", " failed with ",
              status == METIS_ERROR_INPUT    ? "METIS_ERROR_INPUT (invalid graph)"
              : status == METIS_ERROR_MEMORY ? "METIS_ERROR_MEMORY (out of memory)"
                                             : "METIS_ERROR",
              " on ", n, " nodes, ", nnz, " edges, ", num_parts, " parts");
  std::vector<int64_t> part64(part.begin(), part.end());
  return group_by_part(part64, num_parts);
#endif
}

Partition random_partition(int64_t num_nodes, int64_t num_parts, int64_t seed) {
  check_num_parts(num_nodes, num_parts);
  if (num_parts <= 1) return single_part(num_nodes);
  std::vector<int64_t> order(num_nodes);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(static_cast<uint64_t>(seed));
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<int64_t> part(num_nodes);
  for (int64_t i = 0; i < num_nodes; ++i) part[order[i]] = i * num_parts / num_nodes;
  return group_by_part(part, num_parts);
}

Partition range_partition(int64_t num_nodes, int64_t num_parts) {
  check_num_parts(num_nodes, num_parts);
  if (num_parts <= 1) return single_part(num_nodes);
  at::Tensor ptr = at::empty({num_parts + 1}, at::kLong);
  int64_t* p = ptr.data_ptr<int64_t>();
  for (int64_t k = 0; k <= num_parts; ++k) p[k] = k * num_nodes / num_parts;
  return Partition{at::arange(num_nodes, at::kLong), ptr};
}

Partition partition_graph(const CSR& adj, int64_t num_parts, PartitionMethod method, int64_t seed) {
  switch (method) {
    case PartitionMethod::Metis:
      return metis(adj, num_parts, /*recursive=*/false, seed);
    case PartitionMethod::MetisRecursive:
      return metis(adj, num_parts, /*recursive=*/true, seed);
    case PartitionMethod::Random:
      return random_partition(adj.num_rows, num_parts, seed);
    case PartitionMethod::Range:
      return range_partition(adj.num_rows, num_parts);
  }
  TORCH_CHECK(false, "partition_graph: unknown method");
}

int64_t edge_cut(const CSR& adj, const Partition& partition) {
  const at::Tensor part = partition.assignment();
  const at::Tensor row = ops::expand_rowptr(adj.rowptr, adj.nnz());
  return part.index_select(0, row).ne(part.index_select(0, adj.col)).sum().item<int64_t>();
}

double edge_cut_percent(const CSR& adj, const Partition& partition) {
  return 100.0 * static_cast<double>(edge_cut(adj, partition)) / static_cast<double>(std::max<int64_t>(1, adj.nnz()));
}

}  // namespace gas
