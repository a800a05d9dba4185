#include <gas/trainer.h>

#include "util/system.h"

namespace gas {

Trainer::Trainer(ScalableGNNImpl& model, SubgraphLoader& loader, const Dataset& data, Evaluate evaluate,
                 TrainerOptions options)
    : model_(model), loader_(loader), data_(data), evaluate_(std::move(evaluate)), options_(options) {
  TORCH_CHECK(options_.epochs() >= 1, "Trainer: epochs must be at least 1, got ", options_.epochs());
  TORCH_CHECK(options_.eval_every() >= 1, "Trainer: eval_every must be at least 1, got ", options_.eval_every());
  TORCH_CHECK(evaluate_ != nullptr, "Trainer: no evaluation function");
}

void Trainer::add_hook(std::shared_ptr<TrainHook> hook) {
  TORCH_CHECK(hook != nullptr, "Trainer::add_hook: null");
  hooks_.push_back(std::move(hook));
}

RunResult Trainer::fit(torch::optim::Optimizer& optimizer, int64_t run) {
  std::vector<TrainHook*> hooks;
  for (const auto& h : hooks_) hooks.push_back(h.get());
  TrainEpochOptions epoch_options = options_.epoch();
  epoch_options.split(run);
  RunResult best;
  best.run = run;
  best.best_val = -1.0;
  for (int64_t epoch = 1; epoch <= options_.epochs(); ++epoch) {
    EpochRecord e;
    e.run = run;
    e.epoch = epoch;
    e.train = train_epoch(model_, loader_, optimizer, data_, epoch_options, hooks);
    e.evaluated = epoch % options_.eval_every() == 0 || epoch == options_.epochs();
    if (e.evaluated) {
      const double start = util::now_seconds();
      const std::vector<double> m = evaluate_(run);
      e.eval_seconds = util::now_seconds() - start;
      TORCH_CHECK(m.size() == 3, "Trainer: evaluate returned ", m.size(), " metrics, expected train, val, test");
      e.train_metric = m[0];
      e.val_metric = m[1];
      e.test_metric = m[2];
    }
    if (e.evaluated && e.val_metric > best.best_val) {
      best.best_val = e.val_metric;
      best.test = e.test_metric;
      best.best_epoch = epoch;
      for (TrainHook* h : hooks) h->new_best(e, best);
    }
    for (TrainHook* h : hooks) h->end_epoch(e, best);
  }
  for (TrainHook* h : hooks) h->end_run(best);
  return best;
}

}  // namespace gas
