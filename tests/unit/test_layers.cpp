// Every message-passing layer against a float64 reference written here with
// explicit loops over rows, heads and aggregators: values and gradients.
#include <gas/nn/gat_conv.h>
#include <gas/nn/gcn2_conv.h>
#include <gas/nn/gin_conv.h>
#include <gas/nn/pna_conv.h>
#include <gas/nn/sage_conv.h>

#include "common/test_utils.h"

#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/linear.h>

namespace gas {
namespace {

// A bipartite batch-like adjacency: 5 target rows over 8 inputs, row 3 empty,
// row 4 with a single neighbour; rows are in-batch nodes 0..4.
CSR batch_fixture() {
  const at::Tensor ei = at::tensor({0, 0, 0, 1, 1, 1, 2, 2, 4, 0, 1, 6, 1, 2, 7, 2, 5, 4}, at::kLong).view({2, 9});
  return csr_from_edge_index(ei, 5, 8);
}

std::vector<std::vector<int64_t>> neighbours(const CSR& adj) {
  std::vector<std::vector<int64_t>> out(adj.num_rows);
  for (int64_t r = 0; r < adj.num_rows; ++r)
    for (int64_t e = adj.rowptr[r].item<int64_t>(); e < adj.rowptr[r + 1].item<int64_t>(); ++e)
      out[r].push_back(adj.col[e].item<int64_t>());
  return out;
}

// A float64 leaf copy of a parameter, so the reference gets its own gradient.
at::Tensor leaf(const at::Tensor& p) { return p.detach().to(at::kDouble).requires_grad_(true); }

// Compares outputs and the gradients of <out, g> for pairs (parameter, reference leaf).
void expect_match(const at::Tensor& out, const at::Tensor& ref,
                  const std::vector<std::pair<at::Tensor, at::Tensor>>& params, double tol = 1e-5) {
  ASSERT_EQ(out.sizes(), ref.sizes());
  EXPECT_LT(testing::max_rel_diff(out, ref), tol);
  EXPECT_TRUE(at::isfinite(out).all().item<bool>());
  const at::Tensor g = at::randn(ref.sizes(), at::kDouble);
  (out * g.to(out.scalar_type())).sum().backward();
  (ref * g).sum().backward();
  for (size_t i = 0; i < params.size(); ++i) {
    ASSERT_TRUE(params[i].first.grad().defined()) << "parameter " << i;
    EXPECT_LT(testing::max_rel_diff(params[i].first.grad(), params[i].second.grad()), tol) << "parameter " << i;
  }
}

// Linear layer in float64 from leaves (LibTorch stores weight as [out, in]).
at::Tensor dense_linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  at::Tensor y = x.matmul(w.t());
  return b.defined() ? y + b : y;
}

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

// A graph with a single node and no edge, and one whose only edge is a self-loop.
TEST(Layers, SingleNodeGraphs) {
  const CSR empty{at::zeros({2}, at::kLong), at::empty({0}, at::kLong), {}, 1, 1};
  const CSR loop = csr_from_edge_index(at::zeros({2, 1}, at::kLong), 1, 1);
  const at::Tensor x = at::randn({1, 4});
  const at::Tensor degree = at::ones({1}, at::kLong);
  for (const CSR& adj : {empty, loop}) {
    EXPECT_TRUE(at::isfinite(nn::GATConv(nn::GATConvOptions(4, 3).heads(2))(x, adj)).all().item<bool>());
    EXPECT_TRUE(at::isfinite(nn::SAGEConv(4, 3)(x, adj)).all().item<bool>());
    EXPECT_TRUE(at::isfinite(nn::GCN2Conv(nn::GCN2ConvOptions(4, 0.1).theta(0.5))(x, x, adj)).all().item<bool>());
    EXPECT_TRUE(
        at::isfinite(nn::PNAConv(nn::PNAConvOptions(4, 3, {"mean", "min", "max", "std"},
                                                    {"identity", "amplification", "attenuation"}, degree))(x, adj))
            .all()
            .item<bool>());
  }
}

}  // namespace
}  // namespace gas
