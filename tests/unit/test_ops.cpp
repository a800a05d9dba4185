// Aggregations beyond sum/mean and the attention softmax, against brute-force
// float64 loops written here, values and gradients.
#include <gas/ops/segment_softmax.h>
#include <gas/ops/spmm.h>

#include "common/test_utils.h"

#include <limits>

namespace gas {
namespace {

// 4 x 6 bipartite adjacency; row 2 has no entries, row 3 one.
CSR fixture() {
  const at::Tensor ei = at::tensor({0, 0, 0, 1, 1, 3, 1, 4, 5, 0, 2, 5}, at::kLong).view({2, 6});
  return csr_from_edge_index(ei, 4, 6);
}

std::vector<std::vector<int64_t>> neighbours(const CSR& adj) {
  std::vector<std::vector<int64_t>> out(adj.num_rows);
  for (int64_t r = 0; r < adj.num_rows; ++r)
    for (int64_t e = adj.rowptr[r].item<int64_t>(); e < adj.rowptr[r + 1].item<int64_t>(); ++e)
      out[r].push_back(adj.col[e].item<int64_t>());
  return out;
}

TEST(Aggregation, MinAndMaxMatchBruteForceWithGradients) {
  torch::manual_seed(3);
  const CSR adj = fixture();
  const auto nbrs = neighbours(adj);
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

TEST(SegmentSoftmax, MatchesPerRowSoftmaxWithGradients) {
  torch::manual_seed(4);
  const CSR adj = fixture();
  for (int64_t heads : {1, 3}) {
    at::Tensor src = (5 * at::randn({adj.nnz(), heads}, at::kDouble)).requires_grad_(true);
    const at::Tensor out = ops::segment_softmax(src, adj.rowptr);
    at::Tensor src_ref = src.detach().clone().requires_grad_(true);
    std::vector<at::Tensor> rows;
    for (int64_t r = 0; r < adj.num_rows; ++r) {
      const int64_t lo = adj.rowptr[r].item<int64_t>(), hi = adj.rowptr[r + 1].item<int64_t>();
      if (hi > lo) rows.push_back(at::softmax(src_ref.narrow(0, lo, hi - lo), 0));
    }
    const at::Tensor ref = at::cat(rows);
    EXPECT_LT(testing::max_rel_diff(out, ref), 1e-12);
    const at::Tensor g = at::randn_like(ref);
    (out * g).sum().backward();
    (ref * g).sum().backward();
    EXPECT_LT(testing::max_rel_diff(src.grad(), src_ref.grad()), 1e-12);
  }
  // One-dimensional input, huge logits: stable.
  const at::Tensor big = at::tensor({1000.0f, 1001.0f, -1000.0f, 5.0f, 5.0f, 0.0f});
  const at::Tensor sm = ops::segment_softmax(big, adj.rowptr);
  EXPECT_TRUE(at::isfinite(sm).all().item<bool>());
  EXPECT_NEAR(sm.narrow(0, 0, 3).sum().item<float>(), 1.0f, 1e-6);
  EXPECT_THROW_WITH(ops::segment_softmax(at::ones({5}), adj.rowptr), "rowptr ends at 6, src has 5 entries");
}

}  // namespace
}  // namespace gas
