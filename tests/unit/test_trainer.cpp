// The Trainer: epochs, evaluation every eval_every epochs and after the last,
// the best validation epoch, and every hook called where it promises, in
// the order added. The hook here records calls; the evaluation is scripted,
// so the expected best epoch is known without the model.
#include <gas/models/gcn.h>
#include <gas/partition.h>
#include <gas/train.h>
#include <gas/trainer.h>

#include <torch/nn/utils/clip_grad.h>

#include "common/test_utils.h"

#include <atomic>
#include <cmath>
#include <limits>
#include <string>

namespace gas {
namespace {

struct Recorder : TrainHook {
  explicit Recorder(std::vector<std::string>& log, std::string name) : log(log), name(std::move(name)) {}
  void after_backward(ScalableGNNImpl& model, StepTargets&) override {
    ++backwards;
    bool grads = false;
    for (const auto& p : model.parameters()) grads = grads || (p.grad().defined() && p.grad().abs().sum().item<double>() > 0);
    all_had_gradients = all_had_gradients && grads;
  }
  void end_batch(const Batch& b) override { nodes += b.batch_size; }
  void new_best(const EpochRecord& e, const RunResult& best) override {
    log.push_back(name + " best " + std::to_string(e.epoch) + " " + std::to_string(best.best_epoch));
  }
  void end_epoch(const EpochRecord& e, const RunResult&) override {
    log.push_back(name + " epoch " + std::to_string(e.epoch) + (e.evaluated ? " evaluated" : ""));
  }
  std::vector<std::string>& log;
  std::string name;
  int64_t backwards = 0, nodes = 0;
  bool all_had_gradients = true;
};

TEST(Trainer, CallsEveryHookWhereItPromisesAndKeepsTheBestEpoch) {
  const int64_t n = 90;
  const testing::PartitionedGraph pg = testing::partitioned_graph(n, 6, 2);
  torch::manual_seed(0);
  const Dataset data = testing::random_dataset(pg.adj, 4);
  models::GCN model(n, models::GCNOptions(4, 8, 3, 2));
  SubgraphLoader loader(data.adj, pg.ptr, data.x, SubgraphLoaderOptions().batch_size(2).num_workers(0));
  // Validation metrics by evaluation: the best is the second of three.
  const std::vector<double> val = {0.5, 0.8, 0.7};
  int64_t evaluations = 0;
  Trainer trainer(*model, loader, data,
                  [&](int64_t run) {
                    const double v = val.at(static_cast<size_t>(evaluations++));
                    return std::vector<double>{0.0, v, v / 2};
                  },
                  TrainerOptions().epochs(5).eval_every(2));
  std::vector<std::string> log;
  const auto first = std::make_shared<Recorder>(log, "a");
  const auto second = std::make_shared<Recorder>(log, "b");
  trainer.add_hook(first);
  trainer.add_hook(second);
  auto optimizer = make_adam(*model, 0.01, 0.0, 0.0);
  const RunResult r = trainer.fit(*optimizer, 0);

  EXPECT_EQ(evaluations, 3) << "epochs 2 and 4, and the last";
  EXPECT_EQ(r.best_epoch, 4);
  EXPECT_DOUBLE_EQ(r.best_val, 0.8);
  EXPECT_DOUBLE_EQ(r.test, 0.4);
  const std::vector<std::string> expected = {
      "a epoch 1",       "b epoch 1",      "a best 2 2",          "b best 2 2", "a epoch 2 evaluated",
      "b epoch 2 evaluated", "a epoch 3",  "b epoch 3",           "a best 4 4", "b best 4 4",
      "a epoch 4 evaluated", "b epoch 4 evaluated", "a epoch 5 evaluated", "b epoch 5 evaluated"};
  EXPECT_EQ(log, expected);
  EXPECT_EQ(first->nodes, 5 * n) << "end_batch after every batch of every epoch";
  EXPECT_EQ(first->backwards, 5 * loader.size()) << "every batch has training nodes";
  EXPECT_TRUE(first->all_had_gradients) << "after_backward sees the batch's gradients";
  EXPECT_THROW_WITH(Trainer(*model, loader, data, nullptr), "no evaluation function");
}

// gas's clip_grad_norm (no host read of the norm) against LibTorch's
// clip_grad_norm_: the same gradients when the norm is under the bound
// (bitwise) and when it is over (to rounding); parameters without a
// gradient are left alone.
TEST(ClipGradNorm, MatchesLibTorch) {
  for (const double max_norm : {1e3, 0.25}) {
    torch::manual_seed(1);
    std::vector<at::Tensor> ours, theirs;
    for (const auto& shape : std::vector<std::vector<int64_t>>{{4, 3}, {7}, {2, 2, 2}}) {
      const at::Tensor grad = at::randn(shape);
      for (auto* set : {&ours, &theirs}) {
        set->push_back(at::zeros(shape).requires_grad_());
        set->back().mutable_grad() = grad.clone();
      }
    }
    ours.push_back(at::zeros({3}).requires_grad_());  // no gradient
    clip_grad_norm(ours, max_norm);
    torch::nn::utils::clip_grad_norm_(theirs, max_norm);
    for (size_t i = 0; i < theirs.size(); ++i) {
      if (max_norm > 1)
        EXPECT_TRUE(at::equal(ours[i].grad(), theirs[i].grad())) << "parameter " << i;
      else
        EXPECT_LT(testing::max_rel_diff(ours[i].grad(), theirs[i].grad()), 1e-6) << "parameter " << i;
    }
    EXPECT_FALSE(ours.back().grad().defined());
  }
  EXPECT_THROW_WITH(clip_grad_norm({}, 0.0), "max_norm must be positive, got 0");
}

// train_epoch, which never reads a device value inside its loop, against the
// loop it replaced, written out here: boolean-mask selection of the training
// rows, LibTorch's gradient clipping, the loss read after every step. Half
// of the nodes train, so some batches may have none.
TEST(TrainEpoch, EqualsAHandWrittenLoop) {
  const int64_t n = 90;
  const testing::PartitionedGraph pg = testing::partitioned_graph(n, 9, 3);
  torch::manual_seed(2);
  const Dataset data{"g", pg.adj, at::randn({n, 4}), at::randint(0, 3, {n}, at::kLong),
                     at::rand({n}).lt(0.5), {}, {}, 3};
  torch::manual_seed(5);
  models::GCN ours(n, models::GCNOptions(4, 8, 3, 2).dropout(0.3));
  torch::manual_seed(5);
  models::GCN theirs(n, models::GCNOptions(4, 8, 3, 2).dropout(0.3));
  const auto options = SubgraphLoaderOptions().batch_size(1).seed(3);
  SubgraphLoader loader_ours(data.adj, pg.ptr, data.x, options), loader_theirs(data.adj, pg.ptr, data.x, options);
  auto opt_ours = make_adam(*ours, 0.01, 0.0, 0.0), opt_theirs = make_adam(*theirs, 0.01, 0.0, 0.0);

  for (int epoch = 0; epoch < 3; ++epoch) {
    torch::manual_seed(10 + epoch);
    const TrainEpochStats stats = train_epoch(*ours, loader_ours, *opt_ours, data, TrainEpochOptions().grad_norm(0.1));

    torch::manual_seed(10 + epoch);
    theirs->train();
    double loss_sum = 0;
    int64_t count = 0, steps = 0;
    for (const Batch& b : loader_theirs) {
      const at::Tensor nodes = b.n_id.narrow(0, 0, b.batch_size);
      const at::Tensor mask = data.train_mask.index_select(0, nodes);
      const int64_t k = mask.sum().item<int64_t>();
      if (k == 0) continue;
      const at::Tensor out = theirs->forward(b.x, b.adj, &b);
      const at::Tensor loss = node_loss(out.index({mask}), data.y.index_select(0, nodes).index({mask}));
      opt_theirs->zero_grad();
      loss.backward();
      torch::nn::utils::clip_grad_norm_(theirs->parameters(), 0.1);
      opt_theirs->step();
      loss_sum += loss.item<double>() * static_cast<double>(k);
      count += k;
      ++steps;
    }
    EXPECT_EQ(stats.steps, steps) << "epoch " << epoch;
    EXPECT_NEAR(stats.loss, loss_sum / static_cast<double>(count), 1e-6) << "epoch " << epoch;
    const auto a = ours->parameters(), b = theirs->parameters();
    for (size_t i = 0; i < a.size(); ++i)
      EXPECT_LT(testing::max_rel_diff(a[i], b[i]), 1e-5) << "epoch " << epoch << ", parameter " << i;
  }
}

// A loader that leaves the gather to the model (gather_features(false)):
// train_epoch hands the model the whole feature matrix; the epochs are those
// of a gathering loader, bit for bit.
TEST(TrainEpoch, ModelReadingItsInputRowsTrainsAlike) {
  const int64_t n = 90;
  const testing::PartitionedGraph pg = testing::partitioned_graph(n, 9, 3);
  torch::manual_seed(2);
  const Dataset data{"g", pg.adj, at::randn({n, 24}), at::randint(0, 3, {n}, at::kLong),
                     at::rand({n}).lt(0.5), {}, {}, 3};
  std::vector<models::GCN> models;
  std::vector<std::unique_ptr<SubgraphLoader>> loaders;
  for (const bool gather : {true, false}) {
    torch::manual_seed(5);
    models.emplace_back(n, models::GCNOptions(24, 8, 3, 2).dropout(0.5));
    loaders.push_back(std::make_unique<SubgraphLoader>(
        data.adj, pg.ptr, data.x, SubgraphLoaderOptions().batch_size(2).seed(3).gather_features(gather)));
  }
  ASSERT_TRUE(models[1]->reads_input_rows());
  auto opt0 = make_adam(*models[0], 0.01, 5e-4, 0.0), opt1 = make_adam(*models[1], 0.01, 5e-4, 0.0);
  for (int epoch = 0; epoch < 3; ++epoch) {
    torch::manual_seed(10 + epoch);
    const TrainEpochStats gathered = train_epoch(*models[0], *loaders[0], *opt0, data);
    torch::manual_seed(10 + epoch);
    const TrainEpochStats in_place = train_epoch(*models[1], *loaders[1], *opt1, data);
    EXPECT_EQ(gathered.loss, in_place.loss) << "epoch " << epoch;
    const auto a = models[0]->parameters(), b = models[1]->parameters();
    for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(a[i].equal(b[i])) << "epoch " << epoch << ", parameter " << i;
  }
}

// A non-finite loss stops the epoch naming the batch (Stop; the Trainer adds
// the run and epoch), or its step is skipped and counted (Skip): the
// parameters stay finite and the other batches train.
TEST(TrainEpoch, NonFiniteStepsStopOrAreSkipped) {
  const int64_t n = 90;
  const testing::PartitionedGraph pg = testing::partitioned_graph(n, 9, 3);
  torch::manual_seed(2);
  at::Tensor x = at::randn({n, 4});
  x[5][1] = std::numeric_limits<float>::quiet_NaN();  // poisons the batches that read node 5
  const Dataset data{"g", pg.adj, x, at::randint(0, 3, {n}, at::kLong), at::ones({n}, at::kBool), {}, {}, 3};
  models::GCN model(n, models::GCNOptions(4, 8, 3, 2));
  SubgraphLoader loader(data.adj, pg.ptr, data.x, SubgraphLoaderOptions().batch_size(1).seed(3));
  auto optimizer = make_adam(*model, 0.01, 0.0, 0.0);
  EXPECT_THROW_WITH(train_epoch(*model, loader, *optimizer, data), "non-finite loss (nan) or gradient at batch ");
  for (const auto& param : model->parameters()) EXPECT_TRUE(at::isfinite(param).all().item<bool>());

  Trainer trainer(*model, loader, data, [](int64_t) { return std::vector<double>{0, 0, 0}; },
                  TrainerOptions().epochs(2));
  EXPECT_THROW_WITH(trainer.fit(*optimizer, 0), "run 1, epoch 1: non-finite loss (nan) or gradient at batch ");

  const TrainEpochStats skipped =
      train_epoch(*model, loader, *optimizer, data, TrainEpochOptions().on_nonfinite(NonFinite::Skip));
  EXPECT_GT(skipped.skipped_steps, 0);
  EXPECT_LT(skipped.skipped_steps, loader.size()) << "only the batches that read node 5";
  EXPECT_EQ(skipped.steps + skipped.skipped_steps, loader.size());
  EXPECT_TRUE(std::isfinite(skipped.loss));
  for (const auto& param : model->parameters()) EXPECT_TRUE(at::isfinite(param).all().item<bool>());
}

// Stopping between two batches (the flag a signal sets) and fitting again
// from Trainer::state() trains the same bits as a run never stopped: the
// loader skips the batches done, the epoch's loss covers all of them.
TEST(Trainer, StoppedAndResumedRunEqualsAnUninterruptedOne) {
  const int64_t n = 90;
  const testing::PartitionedGraph pg = testing::partitioned_graph(n, 9, 5);
  torch::manual_seed(4);
  const Dataset data = testing::random_dataset(pg.adj, 4);
  struct StopAt : TrainHook {
    std::atomic<bool> flag{false};
    int64_t batches = 0, at = -1;
    void end_batch(const Batch&) override { flag = ++batches == at; }
  };
  auto run = [&](int64_t stop_at, std::vector<double>& losses) {
    torch::manual_seed(7);
    models::GCN model(n, models::GCNOptions(4, 8, 3, 2).dropout(0.3));
    SubgraphLoader loader(data.adj, pg.ptr, data.x, SubgraphLoaderOptions().batch_size(2).seed(3));
    auto optimizer = make_adam(*model, 0.01, 0.0, 0.0);
    auto stop = std::make_shared<StopAt>();
    stop->at = stop_at;
    struct Losses : TrainHook {
      std::vector<double>* out;
      void end_epoch(const EpochRecord& e, const RunResult&) override { out->push_back(e.train.loss); }
    };
    auto record = std::make_shared<Losses>();
    record->out = &losses;
    Trainer trainer(*model, loader, data, [](int64_t) { return std::vector<double>{0, 0.5, 0}; },
                    TrainerOptions().epochs(3).epoch(TrainEpochOptions().stop(&stop->flag)));
    trainer.add_hook(stop);
    trainer.add_hook(record);
    RunResult r = trainer.fit(*optimizer);
    if (stop_at > 0) {
      EXPECT_TRUE(r.interrupted);
      EXPECT_EQ(trainer.state().epochs_done, 1);
      EXPECT_EQ(trainer.state().batches_done, stop_at - loader.size());
      stop->flag = false;
      loader.seek(trainer.state().epochs_done);
      r = trainer.fit(*optimizer, 0, FitState(trainer.state()));
    }
    EXPECT_FALSE(r.interrupted);
    return model->parameters();
  };
  std::vector<double> straight_losses, resumed_losses;
  const auto straight = run(-1, straight_losses);
  const auto resumed = run(5 + 2, resumed_losses);  // epoch 2 (5 batches an epoch), after its second batch
  ASSERT_EQ(straight.size(), resumed.size());
  for (size_t i = 0; i < straight.size(); ++i) EXPECT_TRUE(at::equal(straight[i], resumed[i])) << "parameter " << i;
  ASSERT_EQ(resumed_losses.size(), 3u);
  for (size_t e = 0; e < 3; ++e) EXPECT_NEAR(resumed_losses[e], straight_losses[e], 1e-12) << "epoch " << e + 1;
}

}  // namespace
}  // namespace gas
