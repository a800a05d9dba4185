// SAGEConv against a float64 mean over neighbour lists plus the root term.
#include <gas/nn/sage_conv.h>

#include "common/reference.h"
#include "common/test_utils.h"

#include <torch/nn/modules/linear.h>

namespace gas {
namespace {

using namespace gas::testing;

TEST(SAGEConv, MatchesMeanPlusRoot) {
  torch::manual_seed(4);
  const CSR adj = batch_fixture();
  const auto nbrs = neighbours(adj);
  nn::SAGEConv conv(4, 3);
  const at::Tensor x = at::randn({8, 4});
  const at::Tensor out = conv(x, adj);
  at::Tensor wl = leaf(conv->lin_l->weight), bl = leaf(conv->lin_l->bias), wr = leaf(conv->lin_r->weight);
  const at::Tensor xd = x.to(at::kDouble);
  std::vector<at::Tensor> rows;
  for (int64_t i = 0; i < 5; ++i) {
    at::Tensor mean = at::zeros({4}, at::kDouble);
    for (int64_t j : nbrs[i]) mean = mean + xd[j] / static_cast<double>(nbrs[i].size());
    rows.push_back(dense_linear(mean, wl, bl) + dense_linear(xd[i], wr, {}));
  }
  expect_match(out, at::stack(rows), {{conv->lin_l->weight, wl}, {conv->lin_l->bias, bl}, {conv->lin_r->weight, wr}});
}


TEST(SAGEConv, SingleNodeGraphsGiveFiniteOutputs) {
  for (const CSR& adj : testing::single_node_graphs())
    EXPECT_TRUE(at::isfinite(nn::SAGEConv(4, 3)(at::randn({1, 4}), adj)).all().item<bool>());
}

}  // namespace
}  // namespace gas
