#include <gas/ops/spmm.h>

#include <gas/loader.h>
#include <gas/ops/spmm_plan.h>

#include "common/cpu_isa.h"
#include "common/reference.h"
#include "common/test_utils.h"

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/autograd.h>

namespace gas {
namespace {

using ops::Reduce;

// A 5 x 8 bipartite adjacency with a duplicate-free random pattern and an
// empty row (row 3).
CSR bipartite_fixture() {
  const at::Tensor ei =
      at::tensor({0, 0, 0, 1, 1, 2, 2, 2, 2, 4, 4, 4, 1, 3, 7, 0, 5, 2, 3, 4, 6, 0, 1, 7}, at::kLong).view({2, 12});
  return csr_from_edge_index(ei, 5, 8);
}

// Dense float64 reference written independently of the kernel: one dense
// matrix per head, rows scaled by 1/deg for the mean.
at::Tensor dense_reference(const CSR& adj, const at::Tensor& value, const at::Tensor& x, Reduce reduce) {
  const at::Tensor row = at::repeat_interleave(at::arange(adj.num_rows), adj.row_degree());
  const int64_t heads = value.defined() && value.dim() == 2 ? value.size(1) : 1;
  const int64_t width = x.size(1) / heads;
  std::vector<at::Tensor> outs;
  for (int64_t h = 0; h < heads; ++h) {
    at::Tensor w = !value.defined()   ? at::ones({adj.nnz()}, x.options())
                   : value.dim() == 2 ? value.select(1, h)
                                      : value;
    at::Tensor dense = at::zeros({adj.num_rows, adj.num_cols}, x.options()).index_put({row, adj.col}, w, true);
    if (reduce == Reduce::Mean) dense = dense / adj.row_degree().clamp_min(1).to(x.dtype()).unsqueeze(1);
    outs.push_back(dense.matmul(x.narrow(1, h * width, width)));
  }
  return at::cat(outs, 1);
}

struct Case {
  Reduce reduce;
  int64_t heads;  // 0: no value
};

class SpMMTest : public ::testing::TestWithParam<Case> {};

TEST_P(SpMMTest, ValuesAndGradientsMatchDense) {
  testing::for_each_cpu_isa([&] {
    const Case c = GetParam();
    torch::manual_seed(0);
    const CSR structure = bipartite_fixture();
    // 12, 45 and 96 doubles: a vector and a tail; all three kernel paths (4
    // vectors, one, a tail); several 4-vector blocks. Head slices straddle them.
    for (const int64_t width : {12, 45, 96})
      for (bool transpose_cached : {false, true}) {
        CSR adj = structure;
        if (transpose_cached) adj.plan = ops::SpMMPlan::make(structure);
        at::Tensor x = at::randn({8, width}, at::kDouble).requires_grad_(true);
        at::Tensor value;
        if (c.heads == 1) value = at::rand({adj.nnz()}, at::kDouble).requires_grad_(true);
        if (c.heads > 1) value = at::rand({adj.nnz(), c.heads}, at::kDouble).requires_grad_(true);
        const at::Tensor out = ops::spmm(adj.with_value(value), x, c.reduce);

        at::Tensor x_ref = x.detach().clone().requires_grad_(true);
        at::Tensor value_ref = value.defined() ? value.detach().clone().requires_grad_(true) : at::Tensor();
        const at::Tensor ref = dense_reference(adj, value_ref, x_ref, c.reduce);
        EXPECT_LT(testing::max_rel_diff(out, ref), 1e-12);
        EXPECT_TRUE(at::equal(out[3], at::zeros({width}, at::kDouble))) << "empty row must be zero";

        const at::Tensor grad = at::randn_like(out);
        (out * grad).sum().backward();
        (ref * grad).sum().backward();
        EXPECT_LT(testing::max_rel_diff(x.grad(), x_ref.grad()), 1e-12);
        if (value.defined()) EXPECT_LT(testing::max_rel_diff(value.grad(), value_ref.grad()), 1e-12);
      }
  });
}

INSTANTIATE_TEST_SUITE_P(AllModes, SpMMTest,
                         ::testing::Values(Case{Reduce::Sum, 0}, Case{Reduce::Sum, 1}, Case{Reduce::Sum, 3},
                                           Case{Reduce::Mean, 0}, Case{Reduce::Mean, 1}, Case{Reduce::Mean, 3}));

// out = A^T g entry by entry in float64 (mean: each entry of row r carries
// 1 / deg(r)): the reference of every backward path below.
at::Tensor transposed_loop(const CSR& adj, const at::Tensor& value, const at::Tensor& g, Reduce reduce) {
  const auto rp = adj.rowptr.accessor<int64_t, 1>();
  const auto col = adj.col.accessor<int64_t, 1>();
  const auto gr = g.accessor<double, 2>();
  const int64_t width = g.size(1), heads = value.defined() && value.dim() == 2 ? value.size(1) : 1;
  const at::Tensor v2 = value.defined() ? value.reshape({adj.nnz(), heads}) : at::ones({adj.nnz(), 1}, at::kDouble);
  const auto w = v2.accessor<double, 2>();
  at::Tensor out = at::zeros({adj.num_cols, width}, at::kDouble);
  auto o = out.accessor<double, 2>();
  for (int64_t r = 0; r < adj.num_rows; ++r) {
    const double scale = reduce == Reduce::Mean ? 1.0 / static_cast<double>(rp[r + 1] - rp[r]) : 1.0;
    for (int64_t e = rp[r]; e < rp[r + 1]; ++e)
      for (int64_t f = 0; f < width; ++f) o[col[e]][f] += scale * w[e][f / (width / heads)] * gr[r][f];
  }
  return out;
}

// The ways the backward pass computes A^T g on a training batch: the
// symmetric in-batch block read as its own transpose plus the halo columns
// indexed in the pass or by the plan, every column indexed in the pass, and a
// gather over every column's index built beforehand by the plan.
// On 1 to 3 threads, the batch large enough (over 65536 entries) for the
// column index to split rows into blocks.
TEST(SpMM, BackwardPathsMatchLoopOnABatch) {
  torch::manual_seed(3);
  const CSR graph = gcn_norm(testing::random_graph(12000, 10, 7));
  const ops::SymmetryProof proof = ops::SymmetryProof::check(graph);
  ASSERT_TRUE(proof.symmetric());
  const Batch batch = make_batch(graph, at::arange(0, 12001, 1000, at::kLong), {1, 2, 4, 5, 7, 9, 10}, {}, true, &proof);
  ASSERT_TRUE(batch.adj.plan && batch.adj.plan->leading_block_symmetric());
  ASSERT_FALSE(batch.adj.plan->columns().defined()) << "a symmetric graph's batches need no column index";
  ASSERT_GT(batch.adj.nnz(), 65536);
  ASSERT_GT(batch.num_halo(), 0);
  CSR indexed = batch.adj;
  indexed.plan.reset();
  CSR gather = indexed;
  gather.plan = ops::SpMMPlan::make(indexed);
  CSR symmetric_gather = indexed;
  symmetric_gather.plan = ops::SpMMPlan::make(indexed, proof, /*index=*/true);
  const int threads = at::get_num_threads();
  for (const int t : {1, 2, 3}) {
    at::set_num_threads(t);
    for (const Reduce reduce : {Reduce::Sum, Reduce::Mean})
      for (const int64_t heads : {0, 1, 3})
        for (const CSR* path : std::vector<const CSR*>{&batch.adj, &indexed, &gather, &symmetric_gather}) {
          const bool symmetric = path->plan && path->plan->leading_block_symmetric();
          // Several heads' weights are not symmetric: that adjacency can only take the other paths.
          if (heads == 3 && symmetric) continue;
          const at::Tensor value = heads == 0   ? at::Tensor()
                                   : heads == 1 ? batch.adj.value.to(at::kDouble)
                                                : at::rand({batch.adj.nnz(), heads}, at::kDouble);
          CSR adj = path->with_value(value);
          adj.plan = path->plan;  // the batch's own (symmetric) weights: the proof still holds
          at::Tensor x = at::randn({adj.num_cols, 45}, at::kDouble).requires_grad_(true);
          const at::Tensor out = ops::spmm(adj, x, reduce);
          const at::Tensor g = at::randn_like(out);
          out.backward(g);
          const std::string label = std::string(path == &batch.adj   ? "symmetric"
                                                : path == &indexed   ? "indexed"
                                                : path == &gather    ? "gather"
                                                                     : "symmetric with a halo index") +
                                    ", " + std::to_string(t) + " threads, heads " + std::to_string(heads) +
                                    (reduce == Reduce::Mean ? ", mean" : ", sum");
          EXPECT_LT(testing::max_rel_diff(x.grad(), transposed_loop(adj, value, g, reduce)), 1e-12) << label;
        }
  }
  at::set_num_threads(threads);
}

// A batch whose rows have no entries in the in-batch block, and a graph
// without halo: the symmetric path's two halves each alone.
TEST(SpMM, SymmetricBackwardWithEmptyBlockOrHalo) {
  const at::Tensor ei = at::tensor({0, 1, 2, 3, 3, 4}, at::kLong).view({2, 3});
  CSR halo_only = csr_from_edge_index(ei, 3, 5);  // rows 0-2 point only past the block
  halo_only.plan = ops::SpMMPlan::make(halo_only, ops::SymmetryProof::check(halo_only), false);
  CSR no_halo = testing::cycle_graph(6);
  no_halo.plan = ops::SpMMPlan::make(no_halo, ops::SymmetryProof::check(no_halo), false);
  ASSERT_TRUE(halo_only.plan->leading_block_symmetric() && no_halo.plan->leading_block_symmetric());
  for (const CSR& adj : {halo_only, no_halo}) {
    at::Tensor x = at::randn({adj.num_cols, 20}, at::kDouble).requires_grad_(true);
    const at::Tensor out = ops::spmm(adj, x);
    const at::Tensor g = at::randn_like(out);
    out.backward(g);
    EXPECT_LT(testing::max_rel_diff(x.grad(), transposed_loop(adj, {}, g, Reduce::Sum)), 1e-12);
  }
}

TEST(SpMM, Float32MatchesFloat64) {
  testing::for_each_cpu_isa([&] {
    torch::manual_seed(1);
    const CSR adj = gcn_norm(testing::random_graph(200, 8, 3));
    for (const int64_t width : {7, 64, 100}) {
      const at::Tensor x = at::randn({200, width});
      const at::Tensor out = ops::spmm(adj, x);
      const at::Tensor ref = ops::spmm(adj.with_value(adj.value.to(at::kDouble)), x.to(at::kDouble));
      EXPECT_LT(testing::max_rel_diff(out, ref), 1e-5) << "width " << width;
    }
  });
}

TEST(SpMM, OutVariantMatchesDense) {
  torch::manual_seed(2);
  const CSR adj = gcn_norm(testing::random_graph(300, 6, 4));
  const at::Tensor x = at::randn({300, 70}, at::kDouble);
  torch::NoGradGuard no_grad;
  for (const Reduce reduce : {Reduce::Sum, Reduce::Mean})
    for (const CSR& a : {adj.with_value(adj.value.to(at::kDouble)), adj.with_value({}),
                         adj.with_value(at::rand({adj.nnz(), 5}, at::kDouble))}) {
      at::Tensor out = at::full({300, 70}, 7.0, at::kDouble);  // every element must be overwritten
      ops::spmm_out(out, a, x, reduce);
      EXPECT_LT(testing::max_rel_diff(out, dense_reference(a, a.value, x, reduce)), 1e-12);
    }
}

TEST(SpMM, OutVariantRejectsBadBuffersAndGradients) {
  const CSR adj = bipartite_fixture();
  const at::Tensor x = at::randn({8, 4});
  at::Tensor small = at::empty({4, 4}), doubles = at::empty({5, 4}, at::kDouble), ok = at::empty({5, 4});
  EXPECT_THROW_WITH(ops::spmm_out(small, adj, x), "out must be [5, 4], got [4, 4]");
  EXPECT_THROW_WITH(ops::spmm_out(doubles, adj, x), "out must be a contiguous Float tensor");
  EXPECT_THROW_WITH(ops::spmm_out(ok, adj, x, Reduce::Max), "only sum and mean");
  const at::Tensor trained = x.clone().requires_grad_(true);
  EXPECT_THROW_WITH(ops::spmm_out(ok, adj, trained), "records no gradient");
}

TEST(SpMM, RejectsMismatchedShapes) {
  CSR adj = bipartite_fixture();
  EXPECT_THROW_WITH(ops::spmm(adj, at::randn({7, 4})), "x has 7 rows, the adjacency 8 columns");
  EXPECT_THROW_WITH(ops::spmm(adj.with_value(at::rand({adj.nnz(), 3})), at::randn({8, 4})), "does not split");
  // Only a proof claims a symmetric block, and a taller-than-wide one has none.
  EXPECT_FALSE(ops::SymmetryProof::check(transpose(adj)).symmetric());
}

TEST(SpMM, EmptyGraph) {
  const CSR adj{at::zeros({4}, at::kLong), at::empty({0}, at::kLong), {}, 3, 2};
  const at::Tensor out = ops::spmm(adj, at::randn({2, 5}), Reduce::Mean);
  EXPECT_TRUE(at::equal(out, at::zeros({3, 5})));
}


TEST(Aggregation, MinAndMaxMatchBruteForceWithGradients) {
  torch::manual_seed(3);
  const CSR adj = testing::small_bipartite();
  const auto nbrs = testing::neighbours(adj);
  for (bool max : {true, false}) {
    at::Tensor x = at::randn({6, 5}, at::kDouble).requires_grad_(true);
    const at::Tensor out = ops::spmm(adj, x, max ? ops::Reduce::Max : ops::Reduce::Min);
    const at::Tensor g = at::randn({4, 5}, at::kDouble);
    (out * g).sum().backward();
    at::Tensor expected = at::zeros({4, 5}, at::kDouble), expected_grad = at::zeros({6, 5}, at::kDouble);
    const at::Tensor xd = x.detach();
    for (int64_t r = 0; r < 4; ++r) {
      for (int64_t f = 0; f < 5; ++f) {
        if (nbrs[r].empty()) continue;
        int64_t best = nbrs[r][0];
        for (int64_t j : nbrs[r]) {
          const double v = xd[j][f].item<double>(), b = xd[best][f].item<double>();
          if (max ? v > b : v < b) best = j;
        }
        expected[r][f] = xd[best][f];
        expected_grad[best][f] += g[r][f];
      }
    }
    EXPECT_TRUE(at::equal(out.detach(), expected)) << (max ? "max" : "min");
    EXPECT_TRUE(at::allclose(x.grad(), expected_grad)) << (max ? "max" : "min");
  }
  EXPECT_THROW_WITH(ops::spmm(adj.with_value(at::ones({adj.nnz()})), at::randn({6, 2}), ops::Reduce::Max),
                    "min and max aggregate unweighted");
  EXPECT_THROW_WITH(ops::parse_reduce("median"), "valid: sum, mean, min, max");
}

}  // namespace
}  // namespace gas
