#include <gas/layerwise.h>
#include <gas/loader.h>
#include <gas/models/gcn.h>
#include <gas/nn/gcn_conv.h>
#include <gas/partition.h>
#include <gas/train.h>

#include "common/test_utils.h"

#include <torch/csrc/autograd/grad_mode.h>
#include <torch/nn/functional/loss.h>

namespace gas {
namespace {

using models::GCN;
using models::GCNOptions;

struct Graph {
  CSR adj;  // normalised, partitioned order
  at::Tensor x, y;
  at::Tensor ptr;
};

// A normalised random graph whose parts are contiguous, as after permute().
Graph make_graph(int64_t n, int64_t parts, uint64_t seed) {
  torch::manual_seed(seed);
  const CSR raw = gcn_norm(testing::random_graph(n, 4, seed));
  const Partition p = has_metis() ? metis(raw, parts) : random_partition(n, parts, 0);
  return Graph{permute(raw, p.perm), at::randn({n, 6}), at::randint(0, 3, {n}, at::kLong), p.ptr};
}

std::vector<GCNOptions> gcn_variants() {
  return {GCNOptions(6, 8, 3, 2).dropout(0.5), GCNOptions(6, 8, 3, 3).dropout(0.3).batch_norm(true).residual(true),
          GCNOptions(6, 8, 3, 2).linear(true).batch_norm(true),
          GCNOptions(6, 6, 3, 4).residual(true).drop_input(false)};
}

// Puts batch-norm running statistics somewhere other than their initial values.
void warm_up_batch_norm(models::GCNImpl& model, const Graph& g) {
  model.train();
  torch::NoGradGuard no_grad;
  for (int i = 0; i < 3; ++i) model.forward(g.x * (i + 1), g.adj);
}

TEST(ScalableGNN, LayerwiseInferenceEqualsFullBatchForward) {
  const Graph g = make_graph(150, 8, 1);
  for (const GCNOptions& options : gcn_variants()) {
    for (int64_t eval_batch : {1, 3, 8}) {
      GCN model(150, options);
      if (eval_batch == 3) model->histories().set_backend(device_history_backend());
      warm_up_batch_norm(*model, g);
      const at::Tensor full = full_batch_inference(*model, Dataset{"g", g.adj, g.x, g.y, {}, {}, {}, 3});
      // Scramble the histories: layer-wise inference must not depend on them.
      for (int64_t l = 0; l < model->histories().size(); ++l)
        model->histories().push(l, at::randn({150, model->histories().width(l)}));
      model->train();
      const EvalSubgraphLoader loader(g.adj, g.ptr, eval_batch);
      const at::Tensor layerwise = layerwise_inference(*model, loader, g.x);
      EXPECT_TRUE(model->is_training()) << "mode restored";
      EXPECT_LT(testing::max_rel_diff(layerwise, full), 1e-5)
          << "layers " << options.num_layers() << ", eval batch " << eval_batch;
      const at::Tensor again = layerwise_inference(*model, loader, g.x);
      EXPECT_NE(again.data_ptr(), layerwise.data_ptr()) << "a fresh output tensor per call";
    }
  }
}

// An inductive evaluation graph (another node count): temporary buffers, the
// model's histories untouched, the result still the full-batch forward.
TEST(ScalableGNN, LayerwiseInferenceOnAnotherGraph) {
  const Graph train = make_graph(150, 6, 1);
  const Graph other = make_graph(90, 4, 2);
  GCN model(150, GCNOptions(6, 8, 3, 3).batch_norm(true));
  warm_up_batch_norm(*model, train);
  model->histories().push(0, at::ones({150, 8}));
  const at::Tensor before = model->histories().pull(1).clone();
  const at::Tensor layerwise = layerwise_inference(*model, EvalSubgraphLoader(other.adj, other.ptr, 2), other.x);
  const at::Tensor full = full_batch_inference(*model, Dataset{"o", other.adj, other.x, other.y, {}, {}, {}, 3});
  EXPECT_LT(testing::max_rel_diff(layerwise, full), 1e-5);
  EXPECT_TRUE(at::equal(model->histories().pull(0), at::ones({150, 8})));
  EXPECT_TRUE(at::equal(model->histories().pull(1), before));
}

// With a single part holding the whole graph, a GAS training step must be a
// full-batch training step: same loss, same gradients (the dropout masks
// match because the node order and the seed do).
TEST(ScalableGNN, OneBatchTrainingStepEqualsFullBatchStep) {
  const Graph g = make_graph(80, 1, 2);
  for (const GCNOptions& options : gcn_variants()) {
    GCN model(80, options);
    model->train();
    const Batch batch = make_batch(g.adj, g.ptr, {0}, g.x);
    ASSERT_EQ(batch.batch_size, 80);
    ASSERT_EQ(batch.num_halo(), 0);

    torch::manual_seed(42);
    model->zero_grad();
    const at::Tensor loss_gas = node_loss(model(batch.x, batch.adj, &batch), g.y.index_select(0, batch.n_id));
    loss_gas.backward();
    std::vector<at::Tensor> grads_gas;
    for (const auto& p : model->parameters()) grads_gas.push_back(p.grad().clone());

    torch::manual_seed(42);
    model->zero_grad();
    const at::Tensor loss_full = node_loss(model(g.x, g.adj), g.y);
    loss_full.backward();

    EXPECT_NEAR(loss_gas.item<double>(), loss_full.item<double>(), 1e-6);
    const auto params = model->parameters();
    for (size_t i = 0; i < params.size(); ++i) {
      ASSERT_TRUE(params[i].grad().defined());
      EXPECT_LT(testing::max_rel_diff(grads_gas[i], params[i].grad()), 1e-5) << "parameter " << i;
      EXPECT_GT(params[i].grad().abs().sum().item<double>(), 0.0) << "gradient reaches parameter " << i;
    }
  }
}

// Once a full-graph pass has filled the histories, a minibatch forward (eval
// mode) on any partitioning reproduces the full-graph rows of its nodes: the
// halo rows come from the histories, exactly.
TEST(ScalableGNN, MinibatchForwardWithFreshHistoriesIsExact) {
  const Graph g = make_graph(200, 10, 3);
  GCN model(200, GCNOptions(6, 8, 3, 3).batch_norm(true).residual(true));
  warm_up_batch_norm(*model, g);
  model->eval();
  torch::NoGradGuard no_grad;
  const at::Tensor full = model(g.x, g.adj);  // fills every history
  SubgraphLoader loader(g.adj, g.ptr, g.x, SubgraphLoaderOptions().batch_size(3).seed(1));
  int64_t seen = 0;
  for (const Batch& b : loader) {
    EXPECT_GT(b.num_halo(), 0);
    const at::Tensor out = model(b.x, b.adj, &b);
    EXPECT_LT(testing::max_rel_diff(out, full.index_select(0, b.n_id.slice(0, 0, b.batch_size))), 1e-5);
    seen += b.batch_size;
  }
  EXPECT_EQ(seen, 200);
}

TEST(ScalableGNN, HistoriesAreNotParametersAndStayOffTheAutogradGraph) {
  const Graph g = make_graph(100, 4, 4);
  GCN model(100, GCNOptions(6, 8, 3, 2));
  EXPECT_EQ(model->parameters().size(), 4u);  // two convolutions, weight and bias each
  EXPECT_TRUE(model->buffers().empty());
  ASSERT_EQ(model->histories().size(), 1);
  model->to(c10::Device(c10::kCPU));
  EXPECT_TRUE(model->histories().pull(0).device().is_cpu());

  const Batch b = make_batch(g.adj, g.ptr, {1, 2}, g.x);
  model->train();
  model(b.x, b.adj, &b).sum().backward();
  EXPECT_FALSE(model->histories().pull(0).requires_grad());
  // The batch's rows were pushed: history rows of in-batch nodes are no longer zero.
  EXPECT_GT(model->histories().pull(0, b.n_id.slice(0, 0, b.batch_size)).abs().sum().item<double>(), 0.0);
}

TEST(ScalableGNN, ResetParametersReinitialisesWeightsAndHistories) {
  GCN model(30, GCNOptions(6, 8, 3, 2));
  model->histories().push(0, at::ones({30, 8}));
  const at::Tensor before = model->convs[0]->weight.clone();
  model->reset_parameters();
  EXPECT_FALSE(at::equal(before, model->convs[0]->weight));
  EXPECT_TRUE(at::equal(model->histories().pull(0), at::zeros({30, 8})));
}

TEST(ScalableGNN, RegularisedGroupsFollowThePaper) {
  GCN plain(10, GCNOptions(6, 8, 3, 3).batch_norm(true));
  EXPECT_EQ(plain->reg_parameters().size(), 2u * 2 + 2u * 2);  // convs 0-1, bns 0-1
  EXPECT_EQ(plain->nonreg_parameters().size(), 2u);            // last conv
  GCN linear(10, GCNOptions(6, 8, 3, 2).linear(true));
  EXPECT_EQ(linear->nonreg_parameters().size(), 4u);  // both Linear layers
  EXPECT_EQ(linear->reg_parameters().size() + linear->nonreg_parameters().size(), linear->parameters().size());
}

// A user model whose histories differ in width, written only as layers.
struct WidthsImpl : ScalableGNNImpl {
  WidthsImpl(int64_t n) : ScalableGNNImpl(n, {5, 2}) {
    convs.push_back(register_module("conv0", nn::GCNConv(6, 5)));
    convs.push_back(register_module("conv1", nn::GCNConv(5, 2)));
    convs.push_back(register_module("conv2", nn::GCNConv(2, 3)));
  }
  at::Tensor forward_layer(int64_t layer, const at::Tensor& x, const CSR& adj, LayerState& state) override {
    if (layer == 0) state.set("h0", x.narrow(0, 0, adj.num_rows).sum(1, true));
    at::Tensor h = convs[layer]->forward(x, adj);
    if (layer == 2) return h + state.get("h0");  // a per-batch value carried across layers
    return h.tanh();
  }
  std::vector<nn::GCNConv> convs;
};
TORCH_MODULE(Widths);

TEST(ScalableGNN, HistoriesMayDifferInWidthAndStateCarriesAcrossLayers) {
  const Graph g = make_graph(120, 6, 5);
  Widths model(120);
  EXPECT_EQ(model->num_layers(), 3);
  EXPECT_EQ(model->histories().width(0), 5);
  EXPECT_EQ(model->histories().width(1), 2);
  const at::Tensor full = full_batch_inference(*model, Dataset{"g", g.adj, g.x, g.y, {}, {}, {}, 3});
  const at::Tensor layerwise = layerwise_inference(*model, EvalSubgraphLoader(g.adj, g.ptr, 2), g.x);
  EXPECT_LT(testing::max_rel_diff(layerwise, full), 1e-5);
}

struct BrokenImpl : ScalableGNNImpl {
  BrokenImpl() : ScalableGNNImpl(10, {4}) {}
  at::Tensor forward_layer(int64_t layer, const at::Tensor& x, const CSR& adj, LayerState&) override {
    return at::zeros({x.size(0), 4});  // wrong: one row per input, not per adjacency row
  }
};

TEST(ScalableGNN, LayerwiseNamesTheLayerThatReturnsWrongRows) {
  const CSR adj = gcn_norm(testing::cycle_graph(10));
  BrokenImpl model;
  EXPECT_THROW_WITH(
      layerwise_inference(model, EvalSubgraphLoader(adj, at::tensor({0, 5, 10}, at::kLong)), at::randn({10, 3})),
      "layer 0 returned");
}

TEST(ScalableGNN, LayerStateNamesAMissingKey) {
  LayerState state;
  EXPECT_THROW_WITH(state.get("x0"), "no value 'x0'");
}


// forward_exact: the full graph's output and every hidden layer's, the
// histories left as they were.
TEST(ScalableGNN, ForwardExactLeavesTheHistoriesAlone) {
  const Graph g = make_graph(120, 6, 4);
  GCN model(120, GCNOptions(6, 8, 3, 3).batch_norm(true));
  warm_up_batch_norm(*model, g);
  model->eval();
  torch::NoGradGuard no_grad;
  for (int64_t l = 0; l < 2; ++l) model->histories().push(l, at::randn({120, 8}));
  const at::Tensor h0 = model->histories().pull(0), h1 = model->histories().pull(1);
  std::vector<at::Tensor> hidden;
  const at::Tensor exact = model->forward_exact(g.x, g.adj, &hidden);
  EXPECT_TRUE(at::equal(model->histories().pull(0), h0));
  EXPECT_TRUE(at::equal(model->histories().pull(1), h1));
  ASSERT_EQ(hidden.size(), 2u);
  const at::Tensor full = model(g.x, g.adj);  // writes the histories
  EXPECT_TRUE(at::equal(exact, full));
  EXPECT_TRUE(at::equal(hidden[0], model->histories().pull(0)));
  EXPECT_TRUE(at::equal(hidden[1], model->histories().pull(1)));
  model->histories().push(0, h0);
  EXPECT_TRUE(at::equal(model->forward_exact(g.x, g.adj), full)) << "without `hidden` too";
  EXPECT_TRUE(at::equal(model->histories().pull(0), h0));
}

// GraphFM-OB against a dense float64 reference of one training batch: each
// history's out-of-batch rows become gamma * relu(A[OB, IB] h_IB W + b) +
// (1 - gamma) * old before they are pulled, and the output and its weight
// gradients are those of plain GAS over the mixed rows.
TEST(ScalableGNN, OutOfBatchMomentumFollowsGraphFMOB) {
  const Graph g = make_graph(160, 8, 6);
  const double gamma = 0.4;
  GCN model(160, GCNOptions(6, 8, 3, 3));
  model->set_out_of_batch_momentum(gamma);
  std::vector<at::Tensor> old;
  for (int64_t l = 0; l < 2; ++l) {
    old.push_back(at::randn({160, 8}));
    model->histories().push(l, old.back());
  }
  SubgraphLoader loader(g.adj, g.ptr, g.x, SubgraphLoaderOptions().batch_size(2).seed(2));
  const Batch b = *loader.begin();
  const int64_t B = b.batch_size, H = b.num_halo();
  ASSERT_GT(H, 0);
  model->train();
  const at::Tensor out = model(b.x, b.adj, &b);
  out.sum().backward();

  // The reference, in float64 with its own autograd.
  const auto d = [](const at::Tensor& t) { return t.detach().to(at::kDouble); };
  const at::Tensor A = at::zeros({B, B + H}, at::kDouble);
  for (int64_t r = 0; r < B; ++r)
    for (int64_t k = b.adj.rowptr[r].item<int64_t>(); k < b.adj.rowptr[r + 1].item<int64_t>(); ++k)
      A[r][b.adj.col[k].item<int64_t>()] += b.adj.value[k].item<double>();
  const at::Tensor block = A.narrow(1, B, H).t();  // A[OB, IB]
  std::vector<at::Tensor> W, bias;
  for (int64_t l = 0; l < 3; ++l) {
    W.push_back(d(model->convs[l]->weight).requires_grad_(true));
    bias.push_back(d(model->convs[l]->bias).requires_grad_(true));
  }
  const at::Tensor halo = b.n_id.narrow(0, B, H);
  at::Tensor h = d(b.x);
  for (int64_t l = 0; l < 3; ++l) {
    at::Tensor next = A.matmul(h.matmul(W[l])) + bias[l];
    if (l == 2) {
      h = next;
      break;
    }
    next = next.relu();
    const at::Tensor partial = (block.matmul(d(h.narrow(0, 0, B)).matmul(d(W[l]))) + d(bias[l])).relu();
    const at::Tensor mixed = gamma * partial + (1 - gamma) * d(old[l].index_select(0, halo));
    EXPECT_LT(testing::max_rel_diff(model->histories().pull(l, halo).to(at::kDouble), mixed), 1e-5) << "history " << l;
    h = at::cat({next, mixed}, 0);
  }
  EXPECT_LT(testing::max_rel_diff(out.to(at::kDouble), h.detach()), 1e-5);
  h.sum().backward();
  for (int64_t l = 0; l < 3; ++l) {
    EXPECT_LT(testing::max_rel_diff(model->convs[l]->weight.grad().to(at::kDouble), W[l].grad()), 1e-5) << l;
    EXPECT_LT(testing::max_rel_diff(model->convs[l]->bias.grad().to(at::kDouble), bias[l].grad()), 1e-5) << l;
  }
  EXPECT_TRUE(model->is_training()) << "mode restored after the no-grad eval pass";
}

TEST(ScalableGNN, OutOfBatchMomentumNeedsLayersWithoutARootTerm) {
  GCN residual(10, GCNOptions(6, 6, 3, 3).residual(true));
  EXPECT_THROW_WITH(residual->set_out_of_batch_momentum(0.5), "does not support out-of-batch momentum");
  GCN plain(10, GCNOptions(6, 6, 3, 3));
  EXPECT_THROW_WITH(plain->set_out_of_batch_momentum(1.5), "must be in [0, 1], got 1.5");
  plain->set_out_of_batch_momentum(0.0);
  residual->set_out_of_batch_momentum(0.0);  // off is always allowed
}

}  // namespace
}  // namespace gas
