// segment_softmax against a per-row softmax in float64: values and gradients.
#include <gas/ops/segment_softmax.h>

#include "common/reference.h"
#include "common/test_utils.h"

#include <limits>

namespace gas {
namespace {

TEST(SegmentSoftmax, MatchesPerRowSoftmaxWithGradients) {
  torch::manual_seed(4);
  const CSR adj = testing::small_bipartite();
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
