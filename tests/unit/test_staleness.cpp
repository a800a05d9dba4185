// The staleness measurement: which rows are compared, the error against a
// loop over rows, ages, and that measuring leaves training as it was.
#include <gas/staleness.h>

#include <gas/models/gcn.h>
#include <gas/partition.h>
#include <gas/train.h>

#include "common/test_utils.h"

#include <torch/csrc/autograd/grad_mode.h>

#include <cmath>

namespace gas {
namespace {

struct Partitioned {
  Dataset data;
  at::Tensor ptr;
};

Partitioned make_setup(int64_t n, int64_t parts, uint64_t seed) {
  const testing::PartitionedGraph pg = testing::partitioned_graph(n, parts, seed);
  torch::manual_seed(seed);
  Dataset data = testing::random_dataset(pg.adj, 5);
  data.train_mask = at::rand({n}).lt(0.5);
  return {data, pg.ptr};
}

TEST(Staleness, PulledNodesHaveANeighbourInAnotherPart) {
  const Partitioned s = make_setup(100, 5, 1);
  const at::Tensor mask = pulled_nodes(s.data.adj, s.ptr);
  std::vector<int64_t> part(100);
  for (int64_t p = 0; p + 1 < s.ptr.numel(); ++p)
    for (int64_t v = s.ptr[p].item<int64_t>(); v < s.ptr[p + 1].item<int64_t>(); ++v) part[v] = p;
  std::vector<bool> expected(100, false);
  const CSR& a = s.data.adj;
  for (int64_t r = 0; r < a.num_rows; ++r)
    for (int64_t k = a.rowptr[r].item<int64_t>(); k < a.rowptr[r + 1].item<int64_t>(); ++k) {
      const int64_t c = a.col[k].item<int64_t>();
      if (part[r] != part[c]) expected[c] = true;
    }
  int64_t count = 0;
  for (int64_t v = 0; v < 100; ++v) {
    EXPECT_EQ(mask[v].item<bool>(), expected[v]) << "node " << v;
    count += expected[v];
  }
  EXPECT_GT(count, 0);
  EXPECT_LT(count, 100);
}

// Exact histories measure 0; a known perturbation of one history measures
// ||delta|| / ||exact|| over the pulled rows (a loop), the other history 0.
TEST(Staleness, ErrorIsTheRelativeDistanceOfThePulledRows) {
  const Partitioned s = make_setup(120, 6, 2);
  models::GCN model(120, models::GCNOptions(5, 8, 3, 3));
  model->eval();
  {
    torch::NoGradGuard no_grad;
    model(s.data.x, s.data.adj);  // exact histories
  }
  const at::Tensor pulled = pulled_nodes(s.data.adj, s.ptr);
  StalenessMonitor monitor(*model, s.data, pulled, 4);
  StalenessRecord r = monitor.measure();
  ASSERT_EQ(r.layers.size(), 2u);
  EXPECT_LT(r.layers[0].error, 1e-6);
  EXPECT_LT(r.layers[1].error, 1e-6);
  EXPECT_EQ(r.layers[0].mean_age, 0.0);

  const at::Tensor exact = model->histories().pull(0);
  const at::Tensor delta = at::randn({120, 8});
  model->histories().push(0, exact + delta);
  r = monitor.measure();
  double num = 0, den = 0;
  for (int64_t v = 0; v < 120; ++v) {
    if (!pulled[v].item<bool>()) continue;
    num += delta[v].to(at::kDouble).pow(2).sum().item<double>();
    den += exact[v].to(at::kDouble).pow(2).sum().item<double>();
  }
  EXPECT_NEAR(r.layers[0].error, std::sqrt(num / den), 1e-5);
  EXPECT_LT(r.layers[1].error, 1e-6) << "each history is compared with its own exact layer";
  EXPECT_EQ(monitor.records().size(), 2u);
  const StalenessByAge& by_age = monitor.by_age();
  EXPECT_EQ(by_age.rows[0][0], 2 * pulled.sum().item<int64_t>()) << "every row age 0, twice";
  EXPECT_NEAR(by_age.error(0, 0), std::sqrt(num / (2 * den)), 1e-5);
  EXPECT_TRUE(std::isnan(by_age.error(0, 1))) << "an empty bucket";
}

// Measuring after every epoch draws no random numbers and writes nothing:
// two runs, one measured, end with the same weights and histories; the
// measured one has a record per epoch, ages within an epoch's batches.
TEST(Staleness, MeasuringDoesNotChangeTraining) {
  const Partitioned s = make_setup(150, 6, 3);
  std::vector<at::Tensor> weights, histories;
  std::vector<StalenessRecord> records;
  for (const bool measured : {false, true}) {
    torch::manual_seed(7);
    models::GCN model(150, models::GCNOptions(5, 8, 3, 3).dropout(0.5));
    SubgraphLoader loader(s.data.adj, s.ptr, s.data.x, SubgraphLoaderOptions().batch_size(2).seed(1));
    auto adam = make_adam(*model, 0.01, 0, 0);
    std::shared_ptr<StalenessMonitor> monitor;
    std::vector<TrainHook*> hooks;
    if (measured) {
      monitor = std::make_shared<StalenessMonitor>(*model, s.data, pulled_nodes(s.data.adj, s.ptr), loader.size());
      hooks.push_back(monitor.get());
    }
    for (int epoch = 0; epoch < 3; ++epoch) train_epoch(*model, loader, *adam, s.data, {}, hooks);
    weights.push_back(at::cat({model->convs[0]->weight.flatten(), model->convs[2]->weight.flatten()}).detach());
    histories.push_back(at::cat({model->histories().pull(0), model->histories().pull(1)}));
    if (monitor) records = monitor->records();
  }
  EXPECT_TRUE(at::equal(weights[0], weights[1]));
  EXPECT_TRUE(at::equal(histories[0], histories[1]));
  ASSERT_EQ(records.size(), 3u);
  for (size_t e = 0; e < 3; ++e) {
    EXPECT_EQ(records[e].epoch, static_cast<int64_t>(e) + 1);
    for (const StalenessLayer& l : records[e].layers) {
      EXPECT_GT(l.error, 0.0) << "dropout and older weights";
      EXPECT_GE(l.mean_age, 0.0);
      EXPECT_LT(l.mean_age, 3.0) << "3 batches an epoch, every row pushed once per epoch";
    }
  }
}

TEST(Staleness, MonitorChecksItsArguments) {
  const Partitioned s = make_setup(40, 4, 4);
  models::GCN model(40, models::GCNOptions(5, 8, 3, 2));
  EXPECT_THROW_WITH(StalenessMonitor(*model, s.data, at::ones({39}, at::kBool), 1), "bool mask over the model's 40");
  EXPECT_THROW_WITH(StalenessMonitor(*model, s.data, at::ones({40}, at::kBool), 0), "batches_per_epoch must be >= 1");
}

}  // namespace
}  // namespace gas
