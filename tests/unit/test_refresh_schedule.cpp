// The refresh schedule: a pass after every N-th batch of a run, and, in a
// training epoch, histories equal to the exact embeddings after each pass.
#include <gas/refresh_schedule.h>

#include <gas/layerwise.h>
#include <gas/models/gcn.h>
#include <gas/partition.h>
#include <gas/train.h>

#include "common/test_utils.h"

#include <torch/csrc/autograd/grad_mode.h>

namespace gas {
namespace {

TEST(RefreshSchedule, RefreshesAfterEveryNthBatchOfARun) {
  int64_t calls = 0;
  RefreshSchedule schedule(3, [&] { ++calls; });
  const Batch batch;
  for (int i = 0; i < 7; ++i) schedule.end_batch(batch);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(schedule.passes(), 2);
  schedule.end_run(RunResult());
  schedule.end_batch(batch);
  schedule.end_batch(batch);
  EXPECT_EQ(calls, 2) << "a new run counts from its start";
  schedule.end_batch(batch);
  EXPECT_EQ(calls, 3);
  EXPECT_THROW_WITH(RefreshSchedule(0, [] {}), "every must be >= 1 batch, got 0");
}

// With a full-batch refresh after every batch, each batch pulls rows
// computed by the weights of the step before it: after the epoch the
// histories are the exact embeddings of the final weights.
TEST(RefreshSchedule, EveryBatchKeepsTheHistoriesExact) {
  const int64_t n = 120;
  const testing::PartitionedGraph pg = testing::partitioned_graph(n, 6, 3);
  torch::manual_seed(3);
  const Dataset data = testing::random_dataset(pg.adj, 5);
  models::GCN model(n, models::GCNOptions(5, 8, 3, 3).dropout(0.5));
  SubgraphLoader loader(data.adj, pg.ptr, data.x, SubgraphLoaderOptions().batch_size(2).seed(1));
  auto adam = make_adam(*model, 0.01, 0, 0);
  RefreshSchedule schedule(1, [&] { full_batch_inference(*model, data); });
  train_epoch(*model, loader, *adam, data, {}, {&schedule});
  EXPECT_EQ(schedule.passes(), loader.size());
  std::vector<at::Tensor> exact;
  {
    torch::NoGradGuard no_grad;
    model->eval();
    model->forward_exact(data.x, data.adj, &exact);
  }
  for (int64_t l = 0; l < 2; ++l) EXPECT_TRUE(at::equal(model->histories().pull(l), exact[l])) << l;
}

// refresh_mode=train's passes, full-batch and layer-wise: the model's mode
// comes back as it was; without dropout they write the exact (eval-mode)
// rows; with it they draw dropout as training does, so (Jensen, through the
// ReLU) the hidden rows are larger on average than the exact ones.
TEST(RefreshSchedule, TrainingModePassesDrawDropout) {
  const int64_t n = 120;
  const testing::PartitionedGraph pg = testing::partitioned_graph(n, 6, 4);
  torch::manual_seed(4);
  const Dataset data = testing::random_dataset(pg.adj, 5);
  const EvalSubgraphLoader loader(data.adj, pg.ptr, 2);
  for (const double p : {0.0, 0.5}) {
    models::GCN model(n, models::GCNOptions(5, 16, 3, 2).dropout(p));
    model->eval();
    full_batch_inference(*model, data);
    const at::Tensor exact = model->histories().pull(0).clone();
    for (const bool layerwise : {false, true}) {
      model->train();
      if (layerwise)
        layerwise_inference(*model, loader, data.x, LayerwiseOptions().training(true));
      else
        full_batch_inference(*model, data, false, nullptr, /*training=*/true);
      EXPECT_TRUE(model->is_training()) << layerwise;
      const at::Tensor rows = model->histories().pull(0);
      if (p == 0) {
        EXPECT_TRUE(at::allclose(rows, exact, 1e-5, 1e-6)) << layerwise;
      } else {
        EXPECT_FALSE(at::allclose(rows, exact, 1e-3, 1e-3)) << layerwise;
        EXPECT_GT(rows.mean().item<double>(), exact.mean().item<double>()) << layerwise;
      }
    }
    model->eval();
    full_batch_inference(*model, data, false, nullptr, /*training=*/true);
    EXPECT_FALSE(model->is_training()) << "an eval-mode model stays in eval mode";
  }
}

}  // namespace
}  // namespace gas
