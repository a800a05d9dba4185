// GCN2Conv against its formula in float64: values and gradients.
#include <gas/nn/gcn2_conv.h>

#include "common/reference.h"
#include "common/test_utils.h"

namespace gas {
namespace {

using namespace gas::testing;

TEST(GCN2Conv, MatchesFormula) {
  torch::manual_seed(3);
  const CSR weighted = gcn_norm(testing::random_graph(12, 3, 5));
  for (bool shared : {true, false}) {
    nn::GCN2Conv conv(nn::GCN2ConvOptions(6, 0.2).theta(0.5).layer(3).shared_weights(shared));
    const double beta = std::log(0.5 / 3 + 1);
    EXPECT_NEAR(conv->beta(), beta, 1e-12);
    const at::Tensor x = at::randn({12, 6}), x0 = at::randn({12, 6});
    const at::Tensor out = conv(x, x0, weighted);
    at::Tensor w1 = leaf(conv->weight1);
    at::Tensor w2 = shared ? at::Tensor() : leaf(conv->weight2);
    const at::Tensor h = 0.8 * weighted.to_dense().to(at::kDouble).matmul(x.to(at::kDouble));
    const at::Tensor r = 0.2 * x0.to(at::kDouble);
    const at::Tensor ref = shared ? (1 - beta) * (h + r) + beta * (h + r).matmul(w1)
                                  : (1 - beta) * h + beta * h.matmul(w1) + (1 - beta) * r + beta * r.matmul(w2);
    std::vector<std::pair<at::Tensor, at::Tensor>> params = {{conv->weight1, w1}};
    if (!shared) params.emplace_back(conv->weight2, w2);
    expect_match(out, ref, params);
  }
}


TEST(GCN2Conv, SingleNodeGraphsGiveFiniteOutputs) {
  const at::Tensor x = at::randn({1, 4});
  for (const CSR& adj : testing::single_node_graphs())
    EXPECT_TRUE(at::isfinite(nn::GCN2Conv(nn::GCN2ConvOptions(4, 0.1).theta(0.5))(x, x, adj)).all().item<bool>());
}

}  // namespace
}  // namespace gas
