// Every model of the zoo, built through the registry: layer-wise inference
// equals the full-batch eval forward, a one-batch GAS step equals a
// full-batch step, and minibatches with fresh histories are exact; APPNP
// against dense propagation; sparse input features through every model that
// takes them.
#include <gas/layerwise.h>
#include <gas/loader.h>
#include <gas/models/registry.h>
#include <gas/nn/functional.h>
#include <gas/ops/gather.h>
#include <gas/partition.h>
#include <gas/sparse_features.h>
#include <gas/history/transport.h>
#include <gas/train.h>

#include "common/test_utils.h"

#include <torch/csrc/autograd/grad_mode.h>
#include <torch/optim/sgd.h>

namespace gas {
namespace {

struct ModelCase {
  std::string name;
  std::string architecture;  // YAML
};

std::ostream& operator<<(std::ostream& out, const ModelCase& c) { return out << c.name; }

// Narrower than its 5 features: the first layer reads its rows in place.
constexpr const char* kInPlaceGcn = "{num_layers: 3, hidden_channels: 4, dropout: 0.5}";

const std::vector<ModelCase>& cases() {
  static const std::vector<ModelCase> all = {
      {"gcn", "{num_layers: 3, hidden_channels: 8, dropout: 0.3, batch_norm: true, residual: true}"},
      {"gcn", "{num_layers: 2, hidden_channels: 8, dropout: 0.3, linear: true, batch_norm: true}"},
      {"gcn", kInPlaceGcn},
      {"gat", "{num_layers: 3, hidden_channels: 4, hidden_heads: 2, out_heads: 3, dropout: 0.3}"},
      {"appnp", "{num_layers: 4, hidden_channels: 8, alpha: 0.2, dropout: 0.3}"},
      {"gcn2",
       "{num_layers: 4, hidden_channels: 8, alpha: 0.2, theta: 0.5, dropout: 0.3, batch_norm: true, "
       "residual: true, shared_weights: false}"},
      {"gcn2", "{num_layers: 3, hidden_channels: 8, alpha: 0.1, theta: 0.5, dropout: 0.3}"},
      {"pna",
       "{num_layers: 3, hidden_channels: 8, aggregators: [mean, min, max, std], "
       "scalers: [identity, amplification, attenuation], batch_norm: true, residual: true, dropout: 0.2, "
       "towers: 2}"},
      {"pna_jk",
       "{num_layers: 3, hidden_channels: 8, aggregators: [mean, max], scalers: [identity, amplification], "
       "batch_norm: true, residual: true, dropout: 0.2}"},
      {"gin", "{num_layers: 3, hidden_channels: 8, residual: true, dropout: 0.2}"},
      {"sage", "{num_layers: 3, hidden_channels: 8, batch_norm: true, residual: true, dropout: 0.2}"},
  };
  return all;
}

struct Graph {
  CSR adj;
  at::Tensor x, y, ptr;
  int64_t num_classes = 4;
};

// 120 nodes, the last 6 isolated, duplicate edges in the input, normalised,
// partitioned and permuted so that parts are contiguous.
Graph make_graph(int64_t parts, uint64_t seed) {
  torch::manual_seed(seed);
  const at::Tensor src = at::randint(0, 114, {300}, at::kLong), dst = at::randint(0, 114, {300}, at::kLong);
  const at::Tensor ei = at::cat({at::stack({src, dst}), at::stack({src, dst}).narrow(1, 0, 20)}, 1);  // duplicates
  const CSR raw = gcn_norm(to_symmetric(remove_self_loops(csr_from_edge_index(ei, 120, 120))));
  const Partition p = has_metis() ? metis(raw, parts) : random_partition(120, parts, 0);
  return Graph{permute(raw, p.perm), at::randn({120, 5}), at::randint(0, 4, {120}, at::kLong), p.ptr};
}

std::shared_ptr<ScalableGNNImpl> build(const ModelCase& c, const Graph& g) {
  const ConfigNode arch = ConfigNode::parse(c.architecture, c.name);
  auto model = models::model_from_config(c.name, arch)(models::ModelSpec{120, 5, g.num_classes, g.adj.row_degree()});
  arch.check_unknown();
  return model;
}

Dataset as_dataset(const Graph& g) { return Dataset{"g", g.adj, g.x, g.y, {}, {}, {}, g.num_classes}; }

void warm_up(ScalableGNNImpl& model, const Graph& g) {
  torch::NoGradGuard no_grad;
  model.train();
  for (int i = 0; i < 3; ++i) model.forward(g.x * (1 + 0.5 * i), g.adj);
}

class Models : public ::testing::TestWithParam<ModelCase> {};

TEST_P(Models, LayerwiseInferenceEqualsFullBatchForward) {
  const Graph g = make_graph(8, 1);
  auto model = build(GetParam(), g);
  warm_up(*model, g);
  const at::Tensor full = full_batch_inference(*model, as_dataset(g));
  for (int64_t l = 0; l < model->histories().size(); ++l)
    model->histories().push(l, at::randn({120, model->histories().width(l)}));
  for (int64_t eval_batch : {1, 3}) {
    const at::Tensor layerwise = layerwise_inference(*model, EvalSubgraphLoader(g.adj, g.ptr, eval_batch), g.x);
    EXPECT_LT(testing::max_rel_diff(layerwise, full), 1e-5) << "eval batch " << eval_batch;
  }
}

TEST_P(Models, OneBatchTrainingStepEqualsFullBatchStep) {
  const Graph g = make_graph(1, 2);
  auto model = build(GetParam(), g);
  model->train();
  const Batch batch = make_batch(g.adj, g.ptr, {0}, g.x);
  ASSERT_EQ(batch.num_halo(), 0);

  torch::manual_seed(7);
  model->zero_grad();
  const at::Tensor loss_gas = node_loss(model->forward(batch.x, batch.adj, &batch), g.y);
  loss_gas.backward();
  std::vector<at::Tensor> grads;
  for (const auto& p : model->parameters()) grads.push_back(p.grad().clone());

  torch::manual_seed(7);
  model->zero_grad();
  const at::Tensor loss_full = node_loss(model->forward(g.x, g.adj), g.y);
  loss_full.backward();

  EXPECT_NEAR(loss_gas.item<double>(), loss_full.item<double>(), 1e-6);
  const auto params = model->parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    ASSERT_TRUE(params[i].grad().defined()) << "no gradient reaches parameter " << i;
    EXPECT_LT(testing::max_rel_diff(grads[i], params[i].grad()), 1e-5) << "parameter " << i;
  }
}

TEST_P(Models, MinibatchForwardWithFreshHistoriesIsExact) {
  const Graph g = make_graph(10, 3);
  auto model = build(GetParam(), g);
  warm_up(*model, g);
  model->eval();
  torch::NoGradGuard no_grad;
  const at::Tensor full = model->forward(g.x, g.adj);
  SubgraphLoader loader(g.adj, g.ptr, g.x, SubgraphLoaderOptions().batch_size(3).seed(1).num_workers(0));
  for (const Batch& b : loader) {
    const at::Tensor out = model->forward(b.x, b.adj, &b);
    EXPECT_LT(testing::max_rel_diff(out, full.index_select(0, b.n_id.slice(0, 0, b.batch_size))), 1e-5);
  }
}

// forward_rows (the loader's whole feature matrix and the batch's node ids)
// equals forward on the gathered rows, in training (dropout drawn alike),
// outputs and gradients bit for bit; histories are warm so that halo rows
// are read.
TEST_P(Models, ForwardRowsEqualsForwardOnTheGatheredRows) {
  const Graph g = make_graph(10, 4);
  auto model = build(GetParam(), g);
  warm_up(*model, g);
  model->train();
  if (GetParam().architecture == kInPlaceGcn) EXPECT_TRUE(model->reads_input_rows());
  SubgraphLoader loader(g.adj, g.ptr, g.x, SubgraphLoaderOptions().batch_size(3).seed(2).gather_features(false));
  for (const Batch& b : loader) {
    ASSERT_FALSE(b.x.defined());
    std::vector<at::Tensor> outs, grads;
    for (const bool in_place : {true, false}) {
      torch::manual_seed(9);
      model->zero_grad();
      const at::Tensor out = in_place ? model->forward_rows(loader.features(), b.adj, b)
                                      : model->forward(g.x.index_select(0, b.n_id), b.adj, &b);
      out.pow(2).sum().backward();
      outs.push_back(out.detach());
      for (const auto& p : model->parameters()) grads.push_back(p.grad().defined() ? p.grad().clone() : at::Tensor());
    }
    EXPECT_TRUE(outs[0].equal(outs[1]));
    const size_t n = grads.size() / 2;
    for (size_t i = 0; i < n; ++i) {
      ASSERT_EQ(grads[i].defined(), grads[n + i].defined()) << "parameter " << i;
      if (grads[i].defined()) EXPECT_TRUE(grads[i].equal(grads[n + i])) << "parameter " << i;
    }
  }
}

TEST_P(Models, ParameterGroupsPartitionTheParameters) {
  const Graph g = make_graph(2, 4);
  auto model = build(GetParam(), g);
  std::set<void*> reg, nonreg, all;
  for (const auto& p : model->reg_parameters()) reg.insert(p.data_ptr());
  for (const auto& p : model->nonreg_parameters()) nonreg.insert(p.data_ptr());
  for (const auto& p : model->parameters()) all.insert(p.data_ptr());
  for (void* p : reg) EXPECT_FALSE(nonreg.count(p)) << "a parameter in both groups";
  EXPECT_EQ(reg.size() + nonreg.size(), all.size()) << "every parameter in exactly one group";
}

TEST_P(Models, TrainingReducesTheLoss) {
  const Graph g = make_graph(4, 5);
  auto model = build(GetParam(), g);
  const Dataset data{"g", g.adj, g.x, g.y, at::ones({120}, at::kBool), {}, {}, g.num_classes};
  SubgraphLoader loader(g.adj, g.ptr, g.x, SubgraphLoaderOptions().batch_size(2).num_workers(0));
  auto optimizer = make_adam(*model, 0.01, 0.0, 0.0);
  full_batch_inference(*model, data);
  const double first = train_epoch(*model, loader, *optimizer, data).loss;
  double last = first;
  for (int i = 0; i < 40; ++i) last = train_epoch(*model, loader, *optimizer, data).loss;
  EXPECT_TRUE(std::isfinite(last));
  EXPECT_LT(last, first);
}

INSTANTIATE_TEST_SUITE_P(Zoo, Models, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<ModelCase>& info) {
                           return info.param.name + "_" + std::to_string(info.index);
                         });

TEST_P(Models, SingleNodeGraph) {
  Graph g;
  g.adj = gcn_norm(CSR{at::zeros({2}, at::kLong), at::empty({0}, at::kLong), {}, 1, 1});  // one node, its self-loop
  g.x = at::randn({1, 5});
  g.y = at::zeros({1}, at::kLong);
  g.ptr = at::tensor({0, 1}, at::kLong);
  const ConfigNode arch = ConfigNode::parse(GetParam().architecture, GetParam().name);
  auto model = models::model_from_config(GetParam().name, arch)(models::ModelSpec{1, 5, 4, g.adj.row_degree()});
  model->eval();
  const at::Tensor full = full_batch_inference(*model, Dataset{"g", g.adj, g.x, g.y, {}, {}, {}, 4});
  EXPECT_TRUE(at::isfinite(full).all().item<bool>());
  EXPECT_LT(testing::max_rel_diff(layerwise_inference(*model, EvalSubgraphLoader(g.adj, g.ptr), g.x), full), 1e-5);
}

// On a GPU (skipped in one line elsewhere): the model on CUDA, its histories
// pinned on the host and moved by the uva transport, takes the same
// training steps as on the CPU (loss and every gradient within 1e-4, plain
// SGD so that no optimiser amplifies rounding), leaves the same histories,
// and its layer-wise inference, written to pinned host memory, equals its
// full-batch forward on the device.
TEST_P(Models, CudaTrainingStepsEqualTheCpuSteps) {
  GAS_REQUIRE_CUDA();
  const c10::Device cuda(c10::kCUDA, 0);
  const Graph g = make_graph(6, 8);
  const Dataset data = as_dataset(g);
  torch::manual_seed(3);
  auto cpu = build(GetParam(), g);
  torch::manual_seed(3);
  auto gpu = build(GetParam(), g);
  gpu->histories().set_transport(make_history_transport("uva"));
  gpu->to(cuda);
  full_batch_inference(*cpu, data);
  full_batch_inference(*gpu, data);
  torch::optim::SGD sgd_cpu(cpu->parameters(), 0.05), sgd_gpu(gpu->parameters(), 0.05);
  auto options = SubgraphLoaderOptions().batch_size(2).seed(4);
  SubgraphLoader on_cpu(g.adj, g.ptr, g.x, options), on_gpu(g.adj, g.ptr, g.x, options.pin_memory(true));
  int64_t b = 0;
  for (auto a = on_cpu.begin(), c = on_gpu.begin(); a != on_cpu.end(); ++a, ++c, ++b) {
    ASSERT_TRUE(c != on_gpu.end());
    ASSERT_TRUE(c->x.is_pinned());
    // Dropout's seeds come from the CPU generator: the same draws on both sides.
    torch::manual_seed(100 + b);
    const at::Tensor loss_cpu = node_loss(cpu->forward(a->x, a->adj, &*a), g.y.index_select(0, a->n_id.narrow(0, 0, a->batch_size)));
    torch::manual_seed(100 + b);
    const at::Tensor loss_gpu = node_loss(gpu->forward(c->x.to(cuda, true), c->adj.to(cuda, true), &*c),
                                          g.y.index_select(0, c->n_id.narrow(0, 0, c->batch_size)).to(cuda));
    sgd_cpu.zero_grad();
    sgd_gpu.zero_grad();
    loss_cpu.backward();
    loss_gpu.backward();
    EXPECT_NEAR(loss_gpu.item<double>(), loss_cpu.item<double>(), 1e-4) << "batch " << b;
    const auto pc = cpu->parameters(), pg = gpu->parameters();
    for (size_t i = 0; i < pc.size(); ++i)
      if (pc[i].grad().defined())
        EXPECT_LT(testing::max_rel_diff(pg[i].grad().cpu(), pc[i].grad()), 1e-4) << "batch " << b << ", parameter " << i;
    sgd_cpu.step();
    sgd_gpu.step();
  }
  ASSERT_GT(b, 1);
  for (int64_t l = 0; l < cpu->histories().size(); ++l)
    EXPECT_LT(testing::max_rel_diff(gpu->histories().pull(l).cpu(), cpu->histories().pull(l)), 1e-4) << "history " << l;
  const at::Tensor full = full_batch_inference(*gpu, data);
  const at::Tensor layerwise = layerwise_inference(*gpu, EvalSubgraphLoader(g.adj, g.ptr, 2), g.x,
                                                   LayerwiseOptions().output_on_host(true));
  ASSERT_TRUE(layerwise.is_pinned());
  EXPECT_LT(testing::max_rel_diff(layerwise, full.cpu()), 1e-5);
}

// APPNP's propagation against its definition, densely in float64:
// h0 = MLP(x), then K times h <- (1 - alpha) A h + alpha h0.
TEST(APPNPModel, MatchesDensePropagation) {
  const Graph g = make_graph(4, 6);
  auto model = build(ModelCase{"appnp", "{num_layers: 5, hidden_channels: 8, alpha: 0.15}"}, g);
  model->eval();
  const at::Tensor out = full_batch_inference(*model, as_dataset(g));
  auto params = model->named_parameters();
  const auto lin = [&](const at::Tensor& x, const std::string& name) {
    return x.matmul(params[name + ".weight"].to(at::kDouble).t()) + params[name + ".bias"].to(at::kDouble);
  };
  const at::Tensor h0 = lin(lin(g.x.to(at::kDouble), "lin1").relu(), "lin2");
  const at::Tensor a = g.adj.to_dense().to(at::kDouble);
  at::Tensor h = h0;
  for (int k = 0; k < 5; ++k) h = 0.85 * a.matmul(h) + 0.15 * h0;
  EXPECT_LT(testing::max_rel_diff(out, h), 1e-5);
}

// Sparse input features give the model exactly what dense ones give:
// same eval outputs, same layer-wise results, same gradients without dropout.
TEST(SparseFeatures, ModelsThatTakeThemMatchDenseFeatures) {
  Graph g = make_graph(6, 8);
  g.x = g.x * at::rand({120, 5}).gt(0.6).to(at::kFloat);  // ~60% zeros
  const at::Tensor sparse = to_sparse_features(g.x);
  EXPECT_NEAR(feature_density(sparse), feature_density(g.x), 1e-12);
  EXPECT_DOUBLE_EQ(feature_density(g.x), g.x.ne(0).sum().item<double>() / g.x.numel()) << "counted in place";
  EXPECT_TRUE(at::equal(sparse.to_dense(), g.x));
  int checked = 0;
  for (const ModelCase& c : cases()) {
    auto model = build(c, g);
    if (!model->supports_sparse_input()) continue;
    ++checked;
    SCOPED_TRACE(c.name + " " + c.architecture);
    warm_up(*model, g);
    model->eval();
    const at::Tensor dense_out = full_batch_inference(*model, as_dataset(g));
    Dataset d = as_dataset(g);
    d.x = sparse;
    EXPECT_LT(testing::max_rel_diff(full_batch_inference(*model, d), dense_out), 1e-5);
    EXPECT_LT(
        testing::max_rel_diff(layerwise_inference(*model, EvalSubgraphLoader(g.adj, g.ptr, 2), sparse), dense_out),
        1e-5);
  }
  EXPECT_GE(checked, 5);
}

TEST(SparseFeatures, GradientsMatchAndRowsGatherAndDropoutKeepTheStructure) {
  Graph g = make_graph(1, 9);
  g.x = g.x * at::rand({120, 5}).gt(0.5).to(at::kFloat);
  const at::Tensor sparse = to_sparse_features(g.x);
  const at::Tensor rows = at::tensor({5, 0, 119, 5}, at::kLong);
  EXPECT_TRUE(at::equal(ops::gather_rows(sparse, rows).to_dense(), g.x.index_select(0, rows)));
  EXPECT_TRUE(at::equal(first_rows(sparse, 7).to_dense(), g.x.narrow(0, 0, 7)));
  const at::Tensor dropped = nn::dropout(sparse, 0.5, /*training=*/true);
  EXPECT_TRUE(at::equal(dropped.col_indices(), sparse.col_indices()));
  EXPECT_TRUE((dropped.values().eq(0) | dropped.values().eq(2 * sparse.values())).all().item<bool>());

  for (const char* arch :
       {"{num_layers: 2, hidden_channels: 8}", "{num_layers: 2, hidden_channels: 8, linear: true}"}) {
    auto model = build(ModelCase{"gcn", arch}, g);
    model->train();
    std::vector<at::Tensor> grads;
    for (const at::Tensor& x : {g.x, sparse}) {
      model->zero_grad();
      node_loss(model->forward(x, g.adj), g.y).backward();
      for (const auto& p : model->parameters()) grads.push_back(p.grad().clone());
    }
    const size_t n = grads.size() / 2;
    for (size_t i = 0; i < n; ++i) EXPECT_LT(testing::max_rel_diff(grads[n + i], grads[i]), 1e-5) << arch << " " << i;
  }
}

}  // namespace
}  // namespace gas
