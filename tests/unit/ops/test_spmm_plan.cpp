// spmm's backward plan: the column index (a stable counting sort, checked
// entry by entry against the rows), and plans that claim a symmetric block
// only with a proof, travel with copies and moves, and never with a changed
// matrix.
#include <gas/ops/spmm_plan.h>

#include "common/test_utils.h"

#include <ATen/Parallel.h>

namespace gas {
namespace {

using ops::ColumnIndex;
using ops::index_columns;
using ops::SpMMPlan;
using ops::SymmetryProof;
using testing::random_graph;

TEST(SpMMPlan, ColumnIndexOfASmallMatrix) {
  const at::Tensor ei = at::tensor({0, 0, 1, 2, 1, 2, 3, 0}, at::kLong).view({2, 4});
  const CSR a = csr_from_edge_index(ei, 3, 4, at::tensor({1.0f, 2.0f, 3.0f, 4.0f}));
  const ColumnIndex t = index_columns(a);
  EXPECT_TRUE(at::equal(a.col.index_select(0, t.perm), at::repeat_interleave(at::arange(4), transpose(a).row_degree())));
}

// Large enough (over a million entries) for the row-blocked parallel path.
TEST(SpMMPlan, LargeColumnIndexIsAStableCountingSort) {
  const CSR a = random_graph(200000, 12, 4);
  ASSERT_GT(a.nnz(), int64_t{1} << 20);
  const int threads = at::get_num_threads();
  at::set_num_threads(2);
  const ColumnIndex t = index_columns(a);
  at::set_num_threads(threads);
  const at::Tensor row = at::repeat_interleave(at::arange(a.num_rows), a.row_degree());
  const at::Tensor t_col = at::repeat_interleave(at::arange(a.num_cols), t.colptr.diff());
  EXPECT_TRUE(at::equal(t.colptr.narrow(0, 1, a.num_cols), at::bincount(a.col, {}, a.num_cols).cumsum(0)));
  EXPECT_TRUE(at::equal(a.col.index_select(0, t.perm), t_col));  // entry k sits in its column
  EXPECT_TRUE(at::equal(row.index_select(0, t.perm), t.row));     // and names its row
  // Rows ascend within every transposed row (column).
  const at::Tensor same_col = t_col.slice(0, 1).eq(t_col.slice(0, 0, -1));
  EXPECT_TRUE((t.row.slice(0, 1).gt(t.row.slice(0, 0, -1)) | ~same_col).all().item<bool>());
}

// A batch-like 300 x 400 block of a symmetric graph: with the graph's proof
// the plan indexes only the 100 columns past the leading block, without one
// every column.
TEST(SpMMPlan, IndexesOnlyTheColumnsItsProofDoesNotCover) {
  const CSR a = gcn_norm(random_graph(400, 5, 4));
  const CSR rect{a.rowptr.narrow(0, 0, 301), a.col.narrow(0, 0, a.rowptr[300].item<int64_t>()), {}, 300, 400};
  const SymmetryProof proof = SymmetryProof::check(a);
  ASSERT_TRUE(proof.symmetric());
  const auto plan = SpMMPlan::make(rect, proof, /*index=*/true);
  EXPECT_TRUE(plan->leading_block_symmetric());
  EXPECT_EQ(plan->first_col(), 300);
  const ColumnIndex& halo = plan->columns();
  // Every entry past the block listed under its column, each once.
  EXPECT_TRUE(at::equal(rect.col.index_select(0, halo.perm) - 300,
                        at::repeat_interleave(halo.colptr.narrow(0, 1, 100) - halo.colptr.narrow(0, 0, 100))));
  EXPECT_EQ(halo.perm.numel(), rect.col.ge(300).sum().item<int64_t>());
  EXPECT_FALSE(SpMMPlan::make(rect, proof, /*index=*/false)->columns().defined());

  const auto full = SpMMPlan::make(rect);
  EXPECT_FALSE(full->leading_block_symmetric());
  EXPECT_EQ(full->first_col(), 0);
  EXPECT_TRUE(at::equal(full->columns().perm, index_columns(rect, 0).perm));
  EXPECT_EQ(full->nbytes(), 8 * (401 + 2 * rect.nnz()));
}

TEST(SpMMPlan, OnlyAProofClaimsSymmetryAndNoTransformCarriesAPlan) {
  const CSR directed = csr_from_edge_index(at::tensor({0, 1, 1, 2, 1, 0, 2, 0}, at::kLong).view({2, 4}), 3, 3);
  EXPECT_FALSE(SymmetryProof::check(directed).symmetric());
  EXPECT_FALSE(SpMMPlan::make(directed, SymmetryProof::check(directed), true)->leading_block_symmetric());

  CSR a = gcn_norm(random_graph(300, 6, 2));
  a.plan = SpMMPlan::make(a, SymmetryProof::check(a), /*index=*/false);
  ASSERT_TRUE(a.plan->leading_block_symmetric());
  const CSR copy = a;
  EXPECT_EQ(copy.plan, a.plan) << "copies share the plan";
  EXPECT_EQ(a.to(c10::Device(c10::kCPU)).plan, a.plan);
  EXPECT_FALSE(a.with_value(a.value * 2).plan) << "new values void the proof";
  EXPECT_FALSE(permute(a, at::randperm(300, at::kLong)).plan);
  EXPECT_FALSE(gcn_norm(a.with_value({})).plan);
  EXPECT_FALSE(transpose(a).plan);
  a.plan = SpMMPlan::make(a);
  EXPECT_EQ(a.with_value(a.value * 2).plan, a.plan) << "a column index holds for any values";
}

}  // namespace
}  // namespace gas
