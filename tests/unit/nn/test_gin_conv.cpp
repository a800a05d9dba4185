// GINConv against a float64 eps-weighted sum over neighbour lists.
#include <gas/nn/gin_conv.h>

#include "common/reference.h"
#include "common/test_utils.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/linear.h>

namespace gas {
namespace {

using namespace gas::testing;

TEST(GINConv, MatchesEpsWeightedSum) {
  torch::manual_seed(5);
  const CSR adj = batch_fixture();
  const auto nbrs = neighbours(adj);
  nn::GINConv conv(torch::nn::Sequential(torch::nn::Linear(4, 5), torch::nn::ReLU(), torch::nn::Linear(5, 2)),
                   /*eps=*/0.25);
  const at::Tensor x = at::randn({8, 4});
  const at::Tensor out = conv(x, adj);
  auto* l1 = conv->mlp[0]->as<torch::nn::Linear>();
  auto* l2 = conv->mlp[2]->as<torch::nn::Linear>();
  at::Tensor eps = leaf(conv->eps), w1 = leaf(l1->weight), b1 = leaf(l1->bias), w2 = leaf(l2->weight),
             b2 = leaf(l2->bias);
  const at::Tensor xd = x.to(at::kDouble);
  std::vector<at::Tensor> rows;
  for (int64_t i = 0; i < 5; ++i) {
    at::Tensor agg = (1 + eps[0]) * xd[i];
    for (int64_t j : nbrs[i]) agg = agg + xd[j];
    rows.push_back(dense_linear(dense_linear(agg, w1, b1).relu(), w2, b2));
  }
  expect_match(out, at::stack(rows),
               {{conv->eps, eps}, {l1->weight, w1}, {l1->bias, b1}, {l2->weight, w2}, {l2->bias, b2}});
}

}  // namespace
}  // namespace gas
