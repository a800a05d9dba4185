#include <gas/partition.h>

#include <gas/build_info.h>
#include <gas/ops/expand_rowptr.h>
#include <gas/ops/spmm_plan.h>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
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
template <typename Index>
Partition group_by_part(const std::vector<Index>& part, int64_t num_parts) {
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

#if GAS_BUILT_WITH_METIS
uint64_t mix(uint64_t z) {  // splitmix64's finaliser
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Whether the entries of a square CSR (ids below 2^32), as a multiset, equal
// their mirror images, every row strictly increasing: compared through the
// sums of a 64-bit mix of (u, v) and of (v, u) over the entries. Equal
// multisets give equal sums; unequal ones collide with probability about
// 2^-64. One streaming pass: is_symmetric's exact check (a binary search in
// the mirror's row for every entry, a cache miss each) took 0.45 s on a
// 1M-node graph, more than half of METIS's own time there.
bool mirrored_and_strict(const int64_t* rp, const int64_t* c, int64_t n) {
  std::atomic<uint64_t> forward{0}, backward{0};
  std::atomic<bool> strict{true};
  at::parallel_for(0, n, 4096, [&](int64_t begin, int64_t end) {
    uint64_t f = 0, b = 0;
    bool ok = true;
    for (int64_t r = begin; r < end; ++r) {
      const uint64_t u = static_cast<uint64_t>(r);
      for (int64_t e = rp[r]; e < rp[r + 1]; ++e) {
        const uint64_t v = static_cast<uint64_t>(c[e]);
        ok &= e == rp[r] || c[e] > c[e - 1];
        f += mix(u << 32 | v);
        b += mix(v << 32 | u);
      }
    }
    forward += f;
    backward += b;
    if (!ok) strict = false;
  });
  return strict && forward == backward;
}

// METIS wants a symmetric graph without self-loops or repeated edges, in its
// own index type. Row r of that graph is row r of adj merged with row r of
// adj's transpose (both column-sorted), r itself and repeats dropped: two
// parallel passes over the rows (count, then fill) write METIS's arrays
// directly. A symmetric adj (the common case: gcn_norm of an undirected
// graph) skips the transpose (mirrored_and_strict). Going through to_symmetric and
// remove_self_loops instead (an edge list of 2 x nnz sorted again, int64
// copies, then a conversion) took longer than METIS itself.
void metis_input(const CSR& adj, std::vector<idx_t>& xadj, std::vector<idx_t>& adjncy) {
  const int64_t n = adj.num_rows;
  const CSR structure{adj.rowptr.cpu().contiguous(), adj.col.cpu().contiguous(), {}, n, adj.num_cols};
  constexpr int64_t kMax = std::numeric_limits<idx_t>::max();
  TORCH_CHECK(n <= kMax, "metis: the graph has ", n, " nodes, beyond the range of this METIS build's ",
              sizeof(idx_t) * 8, "-bit indices (max ", kMax, "); use the random partitioner or a 64-bit METIS");
  const int64_t* rp = structure.rowptr.data_ptr<int64_t>();
  const int64_t* c = structure.col.data_ptr<int64_t>();
  const ops::ColumnIndex t = mirrored_and_strict(rp, c, n) ? ops::ColumnIndex{} : ops::index_columns(structure);
  const int64_t* tp = t.defined() ? t.colptr.data_ptr<int64_t>() : nullptr;
  const int64_t* tr = t.defined() ? t.row.data_ptr<int64_t>() : nullptr;
  // Calls emit(v) for the neighbours of r in increasing order, each once.
  // A row of adj that is not sorted (a hand-built CSR) is sorted in `buf`.
  auto for_each_neighbour = [&](int64_t r, std::vector<int64_t>& buf, auto&& emit) {
    const int64_t *a = c + rp[r], *a_end = c + rp[r + 1];
    if (!std::is_sorted(a, a_end)) {
      buf.assign(a, a_end);
      std::sort(buf.begin(), buf.end());
      a = buf.data();
      a_end = a + buf.size();
    }
    const int64_t *b = tp ? tr + tp[r] : nullptr, *b_end = tp ? tr + tp[r + 1] : nullptr;
    int64_t last = -1;
    while (a != a_end || b != b_end) {
      const int64_t v = (b == b_end || (a != a_end && *a <= *b)) ? *a++ : *b++;
      if (v != r && v != last) emit(v);
      last = v;
    }
  };
  std::vector<int64_t> degree(n);
  at::parallel_for(0, n, 4096, [&](int64_t begin, int64_t end) {
    std::vector<int64_t> buf;
    for (int64_t r = begin; r < end; ++r) {
      int64_t d = 0;
      for_each_neighbour(r, buf, [&](int64_t) { ++d; });
      degree[r] = d;
    }
  });
  xadj.resize(n + 1);
  int64_t nnz = 0;
  xadj[0] = 0;
  for (int64_t r = 0; r < n; ++r) {
    nnz += degree[r];
    TORCH_CHECK(nnz <= kMax, "metis: the symmetrised graph has more than ", kMax,
                " directed edges, beyond the range of this METIS build's ", sizeof(idx_t) * 8,
                "-bit indices; use the random partitioner or a 64-bit METIS");
    xadj[r + 1] = static_cast<idx_t>(nnz);
  }
  adjncy.resize(nnz);
  at::parallel_for(0, n, 4096, [&](int64_t begin, int64_t end) {
    std::vector<int64_t> buf;
    for (int64_t r = begin; r < end; ++r) {
      idx_t* out = adjncy.data() + xadj[r];
      for_each_neighbour(r, buf, [&](int64_t v) { *out++ = static_cast<idx_t>(v); });
    }
  });
}
#endif

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
  std::vector<idx_t> xadj, adjncy;
  metis_input(adj, xadj, adjncy);
  const int64_t n = adj.num_rows, nnz = static_cast<int64_t>(adjncy.size());
  std::vector<idx_t> part(n);

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
  return group_by_part(part, num_parts);
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
