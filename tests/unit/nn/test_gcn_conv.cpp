// GCNConv against a dense float64 product: values, gradients, initialisation.
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

// A graph with a single node and no edge, and one whose only edge is a self-loop.

}  // namespace
}  // namespace gas
