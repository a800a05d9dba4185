#include <gas/nn/functional.h>
#include <gas/nn/gcn_conv.h>
#include <gas/ops/spmm_plan.h>

#include "common/test_utils.h"

namespace gas {
namespace {

TEST(GCNConv, MatchesDenseReferenceWithGradients) {
  torch::manual_seed(0);
  for (auto [in, out] : {std::pair<int64_t, int64_t>{7, 3}, {3, 7}}) {  // both multiplication orders
    nn::GCNConv conv(in, out);
    CSR adj = gcn_norm(testing::random_graph(25, 4, 1));
    adj.plan = ops::SpMMPlan::make(adj);
    const at::Tensor x = at::randn({25, in});
    const at::Tensor y = conv(x, adj);
    // Dense float64 reference: A X W + b.
    at::Tensor w = conv->weight.detach().to(at::kDouble).requires_grad_(true);
    at::Tensor b = conv->bias.detach().to(at::kDouble).requires_grad_(true);
    const at::Tensor ref = adj.to_dense().to(at::kDouble).matmul(x.to(at::kDouble)).matmul(w) + b;
    EXPECT_LT(testing::max_rel_diff(y, ref), 1e-5);
    const at::Tensor g = at::randn_like(ref);
    (y * g.to(at::kFloat)).sum().backward();
    (ref * g).sum().backward();
    EXPECT_LT(testing::max_rel_diff(conv->weight.grad(), w.grad()), 1e-5);
    EXPECT_LT(testing::max_rel_diff(conv->bias.grad(), b.grad()), 1e-5);
  }
}

TEST(GCNConv, GlorotInitialisationIsBounded) {
  nn::GCNConv conv(100, 50);
  const double bound = std::sqrt(6.0 / 150.0);
  EXPECT_LE(conv->weight.abs().max().item<double>(), bound);
  EXPECT_GT(conv->weight.abs().max().item<double>(), 0.9 * bound);
  EXPECT_TRUE(at::equal(conv->bias, at::zeros({50})));
  EXPECT_THROW_WITH(nn::GCNConv(0, 4), "must be positive");
}

TEST(Dropout, KeepsTheRightFractionAndScales) {
  torch::manual_seed(1);
  const at::Tensor x = at::ones({1000, 300});
  for (double p : {0.1, 0.5, 0.9}) {
    const at::Tensor y = nn::dropout(x, p, /*training=*/true);
    const double kept = y.ne(0).to(at::kDouble).mean().item<double>();
    EXPECT_NEAR(kept, 1.0 - p, 0.005) << "p = " << p;
    EXPECT_NEAR(y.max().item<double>(), 1.0 / (1.0 - p), 1e-5);
    EXPECT_NEAR(y.mean().item<double>(), 1.0, 0.02);
  }
  EXPECT_TRUE(at::equal(nn::dropout(x, 0.5, /*training=*/false), x));
  EXPECT_THROW_WITH(nn::dropout(x, 1.5, true), "must be in [0, 1]");
}

TEST(Dropout, MasksAreSeededIndependentAndReusedByBackward) {
  const at::Tensor x = at::randn({64, 33});
  torch::manual_seed(5);
  const at::Tensor a = nn::dropout(x, 0.5, true);
  torch::manual_seed(5);
  const at::Tensor b = nn::dropout(x, 0.5, true);
  const at::Tensor c = nn::dropout(x, 0.5, true);
  EXPECT_TRUE(at::equal(a, b));
  EXPECT_FALSE(at::equal(a, c));
  // Neighbouring elements are not correlated: agreement of two masks is ~50%.
  EXPECT_NEAR(a.ne(0).eq(c.ne(0)).to(at::kDouble).mean().item<double>(), 0.5, 0.05);

  at::Tensor leaf = x.clone().requires_grad_(true);
  torch::manual_seed(9);
  const at::Tensor y = nn::dropout(leaf, 0.3, true);
  y.sum().backward();
  // d y / d x is the scaled mask itself.
  EXPECT_TRUE(at::allclose(leaf.grad(), y.detach().ne(0).to(at::kFloat) / 0.7));
}

}  // namespace
}  // namespace gas
