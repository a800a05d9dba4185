#include <gas/datasets/synthetic.h>
#include <gas/partition.h>

#include "common/test_utils.h"

#include <algorithm>
#include <random>
#include <set>

namespace gas {
namespace {

void expect_valid(const Partition& p, int64_t n, int64_t parts) {
  ASSERT_EQ(p.perm.numel(), n);
  ASSERT_EQ(p.ptr.numel(), parts + 1);
  EXPECT_EQ(p.ptr[0].item<int64_t>(), 0);
  EXPECT_EQ(p.ptr[-1].item<int64_t>(), n);
  EXPECT_TRUE((p.ptr.slice(0, 1) >= p.ptr.slice(0, 0, -1)).all().item<bool>());
  // Every node exactly once.
  EXPECT_TRUE(at::equal(std::get<0>(p.perm.sort()), at::arange(n, at::kLong)));
}

// A random assignment with exactly the part sizes of `p`.
Partition same_sizes_random(const Partition& p, uint64_t seed) {
  const int64_t n = p.perm.numel();
  std::vector<int64_t> nodes(n);
  std::iota(nodes.begin(), nodes.end(), 0);
  std::shuffle(nodes.begin(), nodes.end(), std::mt19937_64(seed));
  return Partition{at::tensor(nodes, at::kLong), p.ptr.clone()};
}

CSR geometric_graph(int64_t n) {
  return make_synthetic(SyntheticOptions().kind("rgg").num_nodes(n).avg_degree(8).num_features(1)).adj;
}

TEST(Partition, MetisCoversNodesAndBeatsRandomCut) {
  if (!has_metis()) GTEST_SKIP() << "built without METIS";
  const CSR adj = geometric_graph(4000);
  for (bool recursive : {false, true}) {
    const Partition p = metis(adj, 16, recursive);
    expect_valid(p, 4000, 16);
    const int64_t cut = edge_cut(adj, p);
    const int64_t random_cut = edge_cut(adj, same_sizes_random(p, 1));
    EXPECT_LT(cut, random_cut / 4) << "METIS cut " << cut << " vs random " << random_cut;
    // Nodes of a part are listed in increasing order (stable grouping).
    const at::Tensor assignment = p.assignment();
    for (int64_t k = 0; k < 16; ++k) {
      const at::Tensor part = p.perm.slice(0, p.ptr[k].item<int64_t>(), p.ptr[k + 1].item<int64_t>());
      EXPECT_TRUE(at::equal(part, std::get<0>(part.sort())));
      EXPECT_TRUE(assignment.index_select(0, part).eq(k).all().item<bool>());
    }
  }
}

TEST(Partition, MetisIsDeterministicForASeed) {
  if (!has_metis()) GTEST_SKIP() << "built without METIS";
  const CSR adj = testing::random_graph(600, 6, 2);
  EXPECT_TRUE(at::equal(metis(adj, 8, false, 3).perm, metis(adj, 8, false, 3).perm));
}

TEST(Partition, MetisHandlesSelfLoopsAndAsymmetricInput) {
  if (!has_metis()) GTEST_SKIP() << "built without METIS";
  const at::Tensor ei = at::tensor({0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 0, 0, 1, 2, 3, 4, 5}, at::kLong)
                            .view({2, 12});  // a directed cycle plus self-loops
  const Partition p = metis(csr_from_edge_index(ei, 6, 6), 2);
  expect_valid(p, 6, 2);
}

// METIS sees the undirected simple graph of any input: a directed graph with
// self-loops, repeated entries and unsorted rows (a hand-built CSR) is
// partitioned exactly as that graph written out by a loop over std::set, and
// a symmetric input (the path that skips the transpose) as itself.
TEST(Partition, MetisSeesTheUndirectedSimpleGraph) {
  if (!has_metis()) GTEST_SKIP() << "built without METIS";
  const int64_t n = 500;
  std::mt19937_64 rng(5);
  std::vector<std::vector<int64_t>> rows(n);
  std::vector<std::set<int64_t>> simple(n);
  for (int64_t e = 0; e < 3000; ++e) {
    const int64_t u = static_cast<int64_t>(rng() % n), v = e % 97 == 0 ? u : static_cast<int64_t>(rng() % n);
    rows[u].push_back(v);
    if (e % 13 == 0) rows[u].push_back(v);  // a repeated entry
    if (u != v) simple[u].insert(v), simple[v].insert(u);
  }
  auto to_csr = [n](const auto& lists) {
    std::vector<int64_t> rowptr{0}, col;
    for (const auto& l : lists) {
      col.insert(col.end(), l.begin(), l.end());
      rowptr.push_back(static_cast<int64_t>(col.size()));
    }
    return CSR{at::tensor(rowptr, at::kLong), at::tensor(col, at::kLong), {}, n, n};
  };
  const CSR directed = to_csr(rows), undirected = to_csr(simple);
  ASSERT_TRUE(is_symmetric(undirected));
  const Partition reference = metis(undirected, 8, false, 1);
  expect_valid(reference, n, 8);
  EXPECT_TRUE(at::equal(metis(directed, 8, false, 1).perm, reference.perm));
  EXPECT_TRUE(at::equal(metis(directed, 8, false, 1).ptr, reference.ptr));
  // Weights play no part.
  EXPECT_TRUE(
      at::equal(metis(gcn_norm(undirected), 8, false, 1).perm, metis(add_self_loops(undirected), 8, false, 1).perm));
}

TEST(Partition, OnePartIsTheIdentity) {
  const CSR adj = testing::cycle_graph(7);
  for (int64_t k : {-3, 0, 1}) {
    const Partition p = metis(adj, k);
    EXPECT_TRUE(at::equal(p.perm, at::arange(7, at::kLong)));
    EXPECT_TRUE(at::equal(p.ptr, at::tensor({0, 7}, at::kLong)));
  }
}

TEST(Partition, TooManyPartsIsAnError) {
  EXPECT_THROW_WITH(metis(testing::cycle_graph(5), 6), "num_parts = 6 exceeds the number of nodes (5)");
  EXPECT_THROW_WITH(random_partition(5, 9), "exceeds the number of nodes");
}

TEST(Partition, RandomPartitionIsBalancedAndSeeded) {
  const Partition p = random_partition(103, 10, 5);
  expect_valid(p, 103, 10);
  const at::Tensor sizes = p.ptr.slice(0, 1) - p.ptr.slice(0, 0, -1);
  EXPECT_LE((sizes.max() - sizes.min()).item<int64_t>(), 1);
  EXPECT_TRUE(at::equal(p.perm, random_partition(103, 10, 5).perm));
  EXPECT_FALSE(at::equal(p.perm, random_partition(103, 10, 6).perm));
}

TEST(Partition, RangePartitionKeepsTheOrderAndCopiesNothing) {
  const Partition p = range_partition(103, 10);
  expect_valid(p, 103, 10);
  EXPECT_TRUE(at::equal(p.perm, at::arange(103, at::kLong)));
  const at::Tensor sizes = p.ptr.slice(0, 1) - p.ptr.slice(0, 0, -1);
  EXPECT_LE((sizes.max() - sizes.min()).item<int64_t>(), 1);
  EXPECT_TRUE(at::equal(partition_graph(testing::random_graph(103, 3, 1), 10, PartitionMethod::Range, 7).ptr, p.ptr));
  // Permuting by the identity shares the features (a mapped file stays unread).
  const Dataset d{"g",
                  testing::random_graph(103, 3, 1),
                  at::randn({103, 4}),
                  at::zeros({103}, at::kLong),
                  at::ones({103}, at::kBool),
                  at::zeros({103}, at::kBool),
                  at::zeros({103}, at::kBool),
                  1};
  EXPECT_EQ(d.permute(p.perm).x.data_ptr(), d.x.data_ptr());
  EXPECT_NE(d.permute(random_partition(103, 10, 0).perm).x.data_ptr(), d.x.data_ptr());
}

TEST(Partition, ParseMethod) {
  EXPECT_EQ(parse_partition_method("metis_recursive"), PartitionMethod::MetisRecursive);
  EXPECT_EQ(parse_partition_method("range"), PartitionMethod::Range);
  EXPECT_THROW_WITH(parse_partition_method("kmeans"), "valid: metis, metis_recursive, random, range");
}

}  // namespace
}  // namespace gas
