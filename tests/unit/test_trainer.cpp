// The Trainer: epochs, evaluation every eval_every epochs and after the last,
// the best validation epoch, and every hook called where it promises, in
// the order added. The hook here records calls; the evaluation is scripted,
// so the expected best epoch is known without the model.
#include <gas/models/gcn.h>
#include <gas/partition.h>
#include <gas/trainer.h>

#include "common/test_utils.h"

#include <string>

namespace gas {
namespace {

struct Recorder : TrainHook {
  explicit Recorder(std::vector<std::string>& log, std::string name) : log(log), name(std::move(name)) {}
  void after_backward(ScalableGNNImpl& model) override {
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
  const CSR raw = gcn_norm(testing::random_graph(n, 4, 2));
  const Partition p = has_metis() ? metis(raw, 6) : random_partition(n, 6, 0);
  torch::manual_seed(0);
  const Dataset data{"g", permute(raw, p.perm), at::randn({n, 4}), at::randint(0, 3, {n}, at::kLong),
                     at::ones({n}, at::kBool), {}, {}, 3};
  models::GCN model(n, models::GCNOptions(4, 8, 3, 2));
  SubgraphLoader loader(data.adj, p.ptr, data.x, SubgraphLoaderOptions().batch_size(2).num_workers(0));
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

}  // namespace
}  // namespace gas
