// GATConv against a per-head softmax written here in float64 loops: values
// and gradients.
#include <gas/nn/gat_conv.h>

#include "common/reference.h"
#include "common/test_utils.h"

namespace gas {
namespace {

using namespace gas::testing;

TEST(GATConv, MatchesPerHeadSoftmaxReference) {
  torch::manual_seed(1);
  const CSR adj = batch_fixture();
  const auto nbrs = neighbours(adj);
  for (bool concat : {true, false}) {
    nn::GATConv conv(nn::GATConvOptions(4, 3).heads(2).concat(concat));
    {
      torch::NoGradGuard no_grad;
      conv->bias.uniform_(-1, 1);  // a non-zero bias, so it shows in empty rows
    }
    const at::Tensor x = at::randn({8, 4});
    const at::Tensor out = conv(x, adj);
    at::Tensor w = leaf(conv->weight), as = leaf(conv->att_src), ad = leaf(conv->att_dst), b = leaf(conv->bias);
    const at::Tensor z = x.to(at::kDouble).matmul(w);  // [8, 6]
    std::vector<at::Tensor> rows;
    for (int64_t i = 0; i < 5; ++i) {
      std::vector<at::Tensor> heads;
      for (int64_t h = 0; h < 2; ++h) {
        const at::Tensor zi = z[i].narrow(0, 3 * h, 3);
        at::Tensor acc = at::zeros({3}, at::kDouble);
        if (!nbrs[i].empty()) {
          std::vector<at::Tensor> logits;
          for (int64_t j : nbrs[i])
            logits.push_back(at::leaky_relu((ad[h] * zi).sum() + (as[h] * z[j].narrow(0, 3 * h, 3)).sum(), 0.2));
          const at::Tensor alpha = at::softmax(at::stack(logits), 0);
          for (size_t k = 0; k < nbrs[i].size(); ++k) acc = acc + alpha[k] * z[nbrs[i][k]].narrow(0, 3 * h, 3);
        }
        heads.push_back(acc);
      }
      rows.push_back(concat ? at::cat(heads) : (heads[0] + heads[1]) / 2);
    }
    const at::Tensor ref = at::stack(rows) + b;
    expect_match(out, ref, {{conv->weight, w}, {conv->att_src, as}, {conv->att_dst, ad}, {conv->bias, b}});
    EXPECT_EQ(out.size(1), concat ? 6 : 3);
  }
}

TEST(GATConv, SelfLoopsAndAttentionDropout) {
  torch::manual_seed(2);
  const CSR adj = batch_fixture();
  nn::GATConv looped(nn::GATConvOptions(4, 3).add_self_loops(true));
  const at::Tensor x = at::randn({8, 4});
  // The empty row attends to itself once self-loops are added: its output
  // is W x_3 (+ zero bias), not the bias alone.
  const at::Tensor out = looped(x, adj);
  EXPECT_TRUE(at::allclose(out[3], x[3].matmul(looped->weight), 1e-5, 1e-6));
  nn::GATConv dropped(nn::GATConvOptions(4, 3).dropout(0.5));
  dropped->train();
  const at::Tensor a = dropped(x, adj), b = dropped(x, adj);
  EXPECT_FALSE(at::equal(a, b));
  dropped->eval();
  EXPECT_TRUE(at::equal(dropped(x, adj), dropped(x, adj)));
}


TEST(GATConv, SingleNodeGraphsGiveFiniteOutputs) {
  for (const CSR& adj : testing::single_node_graphs())
    EXPECT_TRUE(at::isfinite(nn::GATConv(nn::GATConvOptions(4, 3).heads(2))(at::randn({1, 4}), adj)).all().item<bool>());
}

}  // namespace
}  // namespace gas
