// PNAConv against a float64 reference of every aggregator and scaler,
// written here with loops over rows.
#include <gas/nn/pna_conv.h>

#include "common/reference.h"
#include "common/test_utils.h"

#include <torch/nn/modules/linear.h>

namespace gas {
namespace {

using namespace gas::testing;

// Independent PNA: explicit loops over towers, aggregators and scalers.
at::Tensor pna_reference(nn::PNAConvImpl& conv, const at::Tensor& x, const CSR& adj,
                         std::vector<std::pair<at::Tensor, at::Tensor>>& params) {
  const auto nbrs = neighbours(adj);
  const auto& o = conv.options;
  const at::Tensor xd = x.to(at::kDouble);
  const int64_t rows = adj.num_rows;
  const double avg_log = (o.degree().to(at::kDouble) + 1).log().mean().item<double>();
  const double avg_lin = o.degree().to(at::kDouble).mean().item<double>();
  std::vector<at::Tensor> towers;
  size_t term = 0;
  for (int64_t t = 0; t < o.towers(); ++t) {
    at::Tensor tower;
    for (const auto& aggr : o.aggregators()) {
      for (const auto& scaler : o.scalers()) {
        at::Tensor wp = leaf(conv.pre[term]->weight), bp = leaf(conv.pre[term]->bias);
        at::Tensor wq = leaf(conv.post[term]->weight), bq = leaf(conv.post[term]->bias);
        params.insert(params.end(), {{conv.pre[term]->weight, wp},
                                     {conv.pre[term]->bias, bp},
                                     {conv.post[term]->weight, wq},
                                     {conv.post[term]->bias, bq}});
        ++term;
        const at::Tensor h = dense_linear(xd, wp, bp).relu();
        std::vector<at::Tensor> out_rows;
        for (int64_t i = 0; i < rows; ++i) {
          const int64_t d = static_cast<int64_t>(nbrs[i].size());
          at::Tensor a = at::zeros({h.size(1)}, at::kDouble);
          if (d > 0) {
            std::vector<at::Tensor> m;
            for (int64_t j : nbrs[i]) m.push_back(h[j]);
            const at::Tensor s = at::stack(m);
            if (aggr == "mean") a = s.mean(0);
            if (aggr == "sum") a = s.sum(0);
            if (aggr == "min") a = std::get<0>(s.min(0));
            if (aggr == "max") a = std::get<0>(s.max(0));
            if (aggr == "std") a = ((s * s).mean(0) - s.mean(0) * s.mean(0)).relu().add(1e-5).sqrt();
          }
          at::Tensor p = dense_linear(a, wq, bq);
          const double dc = std::max<int64_t>(d, 1);
          if (scaler == "amplification") p = p * (std::log(dc + 1) / avg_log);
          if (scaler == "attenuation") p = p * (avg_log / std::log(dc + 1));
          if (scaler == "linear") p = p * (dc / avg_lin);
          if (scaler == "inverse_linear") p = p * (avg_lin / dc);
          out_rows.push_back(p);
        }
        const at::Tensor term_out = at::stack(out_rows);
        tower = tower.defined() ? tower + term_out : term_out;
      }
    }
    towers.push_back(tower);
  }
  at::Tensor out = towers[0];
  if (o.towers() > 1) {
    at::Tensor wm = leaf(conv.mix->weight), bm = leaf(conv.mix->bias);
    params.insert(params.end(), {{conv.mix->weight, wm}, {conv.mix->bias, bm}});
    out = dense_linear(at::cat(towers, 1), wm, bm);
  }
  at::Tensor wl = leaf(conv.lin->weight), bl = leaf(conv.lin->bias);
  params.insert(params.end(), {{conv.lin->weight, wl}, {conv.lin->bias, bl}});
  return out + dense_linear(xd.narrow(0, 0, rows), wl, bl);
}

TEST(PNAConv, MatchesReferenceForEveryAggregatorAndScaler) {
  torch::manual_seed(6);
  const CSR adj = batch_fixture();
  const at::Tensor degree = at::tensor({1, 2, 3, 4, 2, 3, 1, 0}, at::kLong);
  for (int64_t towers : {1, 2}) {
    nn::PNAConv conv(nn::PNAConvOptions(4, 6, {"mean", "sum", "min", "max", "std"},
                                        {"identity", "amplification", "attenuation", "linear", "inverse_linear"},
                                        degree)
                         .towers(towers));
    // In float64: std's E[h^2] - E[h]^2 loses too many float32 digits to
    // compare gradients tightly, and this test checks the implementation.
    conv->to(at::kDouble);
    const at::Tensor x = at::randn({8, 4}, at::kDouble);
    const at::Tensor out = conv(x, adj);
    std::vector<std::pair<at::Tensor, at::Tensor>> params;
    const at::Tensor ref = pna_reference(*conv, x, adj, params);
    expect_match(out, ref, params, 1e-10);
  }
  EXPECT_THROW_WITH(nn::PNAConv(nn::PNAConvOptions(4, 6, {"median"}, {"identity"}, degree)),
                    "unknown aggregator 'median'");
  EXPECT_THROW_WITH(nn::PNAConv(nn::PNAConvOptions(4, 6, {"mean"}, {"identity"}, degree).towers(4)),
                    "must be a multiple of towers");
}


TEST(PNAConv, SingleNodeGraphsGiveFiniteOutputs) {
  const nn::PNAConvOptions options(4, 3, {"mean", "min", "max", "std"}, {"identity", "amplification", "attenuation"},
                                   at::ones({1}, at::kLong));
  for (const CSR& adj : testing::single_node_graphs())
    EXPECT_TRUE(at::isfinite(nn::PNAConv(options)(at::randn({1, 4}), adj)).all().item<bool>());
}

}  // namespace
}  // namespace gas
