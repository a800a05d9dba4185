#include <gas/graph.h>

#include "common/test_utils.h"

#include <ATen/Parallel.h>

namespace gas {
namespace {

using namespace gas::testing;

at::Tensor dense_of(const at::Tensor& edge_index, int64_t n, const at::Tensor& value = {}) {
  at::Tensor d = at::zeros({n, n}, at::kDouble);
  const at::Tensor v = value.defined() ? value.to(at::kDouble) : at::ones({edge_index.size(1)}, at::kDouble);
  d.index_put_({edge_index[0], edge_index[1]}, v, /*accumulate=*/true);
  return d;
}

TEST(Graph, FromEdgeIndexSortsAndMergesDuplicates) {
  const at::Tensor ei = at::tensor({2, 0, 0, 2, 0, 1, 2, 2}, at::kLong).view({2, 4});
  // edges: (2,0) (0,1) (0,2) (2,2): rows unsorted, no duplicates yet
  const CSR a = csr_from_edge_index(ei, 3, 3);
  EXPECT_TRUE(at::equal(a.rowptr, at::tensor({0, 2, 2, 4}, at::kLong)));
  EXPECT_TRUE(at::equal(a.col, at::tensor({1, 2, 0, 2}, at::kLong)));
  EXPECT_FALSE(a.has_value());

  const at::Tensor dup = at::tensor({1, 1, 0, 1, 0, 0, 1, 0}, at::kLong).view({2, 4});
  const CSR merged = csr_from_edge_index(dup, 2, 2, at::tensor({1.0f, 2.0f, 3.0f, 4.0f}));
  EXPECT_TRUE(at::equal(merged.rowptr, at::tensor({0, 1, 2}, at::kLong)));
  EXPECT_TRUE(at::equal(merged.col, at::tensor({1, 0}, at::kLong)));
  EXPECT_TRUE(at::allclose(merged.value, at::tensor({3.0f, 7.0f})));  // (0,1): 3 ; (1,0): 1+2+4
}

TEST(Graph, CoalesceMergesDuplicatesOfAnExistingCsr) {
  // Row 0 lists column 2 twice and column 1 once, out of order.
  const CSR raw{at::tensor({0, 3, 4}, at::kLong), at::tensor({2, 1, 2, 0}, at::kLong),
                at::tensor({1.0f, 2.0f, 3.0f, 4.0f}), 2, 3};
  const CSR c = coalesce(raw);
  EXPECT_TRUE(at::equal(c.rowptr, at::tensor({0, 2, 3}, at::kLong)));
  EXPECT_TRUE(at::equal(c.col, at::tensor({1, 2, 0}, at::kLong)));
  EXPECT_TRUE(at::allclose(c.value, at::tensor({2.0f, 4.0f, 4.0f})));
  EXPECT_TRUE(at::equal(c.to_dense(), raw.to_dense()));
}

TEST(Graph, FromEdgeIndexRejectsOutOfRange) {
  const at::Tensor ei = at::tensor({0, 5, 1, 0}, at::kLong).view({2, 2});
  EXPECT_THROW_WITH(csr_from_edge_index(ei, 3, 3), "csr_from_edge_index: edge 1 names node 5, outside [0, 3)");
  EXPECT_THROW_WITH(csr_from_edge_index(ei, 3, 6), "csr_from_edge_index: edge 1 names row 5, outside [0, 3)");
  const at::Tensor wide = at::tensor({0, 1, 1, 7}, at::kLong).view({2, 2});
  EXPECT_THROW_WITH(csr_from_edge_index(wide, 3, 6), "csr_from_edge_index: edge 1 names column 7, outside [0, 6)");
  EXPECT_THROW_WITH(csr_from_edge_index(at::zeros({3, 2}, at::kLong), 3, 3), "edge_index must be [2, E]");
}

TEST(Graph, CheckFindsBrokenInvariants) {
  CSR a = cycle_graph(5);
  EXPECT_NO_THROW(a.check());
  CSR bad = a;
  bad.rowptr = a.rowptr.clone();
  bad.rowptr[2] = 100;
  EXPECT_THROW_WITH(bad.check(), "decreases");
  CSR bad_col = a;
  bad_col.col = a.col.clone();
  bad_col.col[0] = 7;
  EXPECT_THROW_WITH(bad_col.check(), "outside [0, 5)");
}

TEST(Graph, SymmetricMatchesDense) {
  const at::Tensor ei = at::tensor({0, 0, 1, 3, 3, 1, 2, 2, 0, 0}, at::kLong).view({2, 5});
  const CSR sym = to_symmetric(csr_from_edge_index(ei, 4, 4));
  const at::Tensor d = dense_of(ei, 4).clamp_max(1);
  EXPECT_TRUE(at::equal(sym.to_dense().to(at::kDouble), (d + d.t()).clamp_max(1)));
  // Weighted: A + A^T.
  const at::Tensor w = at::tensor({1.0f, 2.0f, 3.0f, 4.0f, 5.0f});
  const CSR wsym = to_symmetric(csr_from_edge_index(ei, 4, 4, w));
  const at::Tensor wd = dense_of(ei, 4, w);
  EXPECT_TRUE(at::allclose(wsym.to_dense().to(at::kDouble), wd + wd.t()));
}

TEST(Graph, SelfLoops) {
  // (0,0) weight 2, (1,1) weights 3 and 4 (merged to 7), (0,2) weight 5.
  const at::Tensor ei = at::tensor({0, 1, 1, 0, 0, 1, 1, 2}, at::kLong).view({2, 4});
  const CSR a = csr_from_edge_index(ei, 3, 3, at::tensor({2.0f, 3.0f, 4.0f, 5.0f}));
  const at::Tensor dense = a.to_dense();
  EXPECT_TRUE(at::allclose(dense.diag(), at::tensor({2.0f, 7.0f, 0.0f})));
  const at::Tensor off = dense - at::diag(dense.diag());
  EXPECT_TRUE(at::equal(remove_self_loops(a).to_dense(), off));
  const CSR set = set_self_loops(a, 1.5);
  EXPECT_TRUE(at::allclose(set.to_dense(), off + 1.5 * at::eye(3)));
  const CSR add = add_self_loops(a, 1.0);
  EXPECT_TRUE(at::allclose(add.to_dense(), dense + at::eye(3)));
}

TEST(Graph, GcnNormMatchesDenseFormula) {
  const CSR a = random_graph(30, 4, 1);
  const CSR norm = gcn_norm(a);
  // Independent float64 reference: D^-1/2 (A + I) D^-1/2.
  const at::Tensor ahat = a.to_dense().to(at::kDouble).clamp_max(1) + at::eye(30, at::kDouble);
  const at::Tensor dinv = ahat.sum(1).pow(-0.5);
  const at::Tensor expected = dinv.unsqueeze(1) * ahat * dinv.unsqueeze(0);
  EXPECT_LT(testing::max_rel_diff(norm.to_dense(), expected), 1e-6);
}

TEST(Graph, GcnNormOfIsolatedNodeIsFinite) {
  const CSR a = csr_from_edge_index(at::tensor({0, 1}, at::kLong).view({2, 1}), 3, 3);  // node 2 isolated
  const CSR n = gcn_norm(a, /*add_loops=*/false);
  EXPECT_TRUE(at::isfinite(n.value).all().item<bool>());
}

TEST(Graph, TransposeMatchesDense) {
  const at::Tensor ei = at::tensor({0, 0, 1, 2, 1, 2, 3, 0}, at::kLong).view({2, 4});
  const CSR a = csr_from_edge_index(ei, 3, 4, at::tensor({1.0f, 2.0f, 3.0f, 4.0f}));
  const CSR t = transpose(a);
  EXPECT_EQ(t.num_rows, 4);
  EXPECT_EQ(t.num_cols, 3);
  EXPECT_TRUE(at::equal(t.to_dense(), a.to_dense().t()));
}

TEST(Graph, IsSymmetric) {
  CSR a = gcn_norm(random_graph(300, 6, 2));  // weights too: the degree factors commute
  EXPECT_TRUE(is_symmetric(a));
  EXPECT_TRUE(is_symmetric(a.with_value({})));
  EXPECT_TRUE(is_symmetric(a.with_value(at::stack({a.value, a.value}, 1))));
  at::Tensor v = a.value.clone();
  v[1] += 1e-6f;  // row 0's second entry (its first is the self-loop, its own mirror)
  EXPECT_FALSE(is_symmetric(a.with_value(v)));
  EXPECT_FALSE(is_symmetric(a.with_value(at::stack({a.value, v}, 1))));
  // One directed edge.
  EXPECT_FALSE(is_symmetric(csr_from_edge_index(at::tensor({0, 1, 1, 2, 1, 0, 2, 0}, at::kLong).view({2, 4}), 3, 3)));
  // A batch-like 2 x 3 adjacency: the leading 2 x 2 block counts, column 2 does not.
  const CSR leading{at::tensor({0, 2, 3}, at::kLong), at::tensor({1, 2, 0}, at::kLong), {}, 2, 3};
  EXPECT_TRUE(is_symmetric(leading));
  EXPECT_FALSE(is_symmetric(transpose(leading)));  // more rows than columns
  // Unsorted or repeated columns give no answer.
  EXPECT_FALSE(is_symmetric(CSR{at::tensor({0, 2, 3, 4}, at::kLong), at::tensor({2, 1, 0, 0}, at::kLong), {}, 3, 3}));
  EXPECT_FALSE(is_symmetric(CSR{at::tensor({0, 2, 3}, at::kLong), at::tensor({1, 1, 0}, at::kLong), {}, 2, 2}));
}

TEST(Graph, PermuteMatchesDense) {
  const CSR a = gcn_norm(random_graph(20, 3, 7));
  const at::Tensor perm = at::randperm(20, at::kLong);
  const CSR p = permute(a, perm);
  p.check();
  const at::Tensor d = a.to_dense();
  EXPECT_TRUE(at::equal(p.to_dense(), d.index_select(0, perm).index_select(1, perm)));
  // Rows stay sorted.
  for (int64_t r = 0; r < 20; ++r) {
    const at::Tensor row = p.col.slice(0, p.rowptr[r].item<int64_t>(), p.rowptr[r + 1].item<int64_t>());
    EXPECT_TRUE(at::equal(row, std::get<0>(row.sort())));
  }
}

TEST(Graph, InvertPermutationRejectsRepeats) {
  EXPECT_TRUE(at::equal(invert_permutation(at::tensor({2, 0, 1}, at::kLong)), at::tensor({1, 2, 0}, at::kLong)));
  EXPECT_THROW_WITH(invert_permutation(at::tensor({0, 0, 1}, at::kLong)), "not a permutation");
}

TEST(Graph, SelectRows) {
  const CSR a = cycle_graph(6);
  const CSR s = select_rows(a, at::tensor({4, 1}, at::kLong));
  EXPECT_TRUE(at::equal(s.to_dense(), a.to_dense().index_select(0, at::tensor({4, 1}, at::kLong))));
}

TEST(Graph, NormalizeFeaturesKeepsZeroRows) {
  const at::Tensor x = at::tensor({1.0f, 1.0f, 2.0f, 0.0f, 0.0f, 0.0f}).view({2, 3});
  const at::Tensor n = normalize_features(x);
  EXPECT_TRUE(at::allclose(n[0], at::tensor({0.25f, 0.25f, 0.5f})));
  EXPECT_TRUE(at::equal(n[1], at::zeros({3})));
}


// Against the dense matrix's rows and columns of the kept nodes.
TEST(Graph, InducedSubgraphIsTheDenseBlockOfTheKeptNodes) {
  CSR adj = testing::random_graph(30, 4, 7);
  adj = adj.with_value(at::rand({adj.nnz()}));
  const at::Tensor mask = at::rand({30}).gt(0.4);
  const at::Tensor kept = mask.nonzero().view(-1);
  const CSR sub = induced_subgraph(adj, mask);
  sub.check();
  EXPECT_EQ(sub.num_rows, kept.numel());
  EXPECT_TRUE(at::equal(sub.to_dense(), adj.to_dense().index_select(0, kept).index_select(1, kept)));
  EXPECT_THROW_WITH(induced_subgraph(adj, at::ones({29}, at::kBool)), "expected a bool [30] node mask");
}
}  // namespace
}  // namespace gas
