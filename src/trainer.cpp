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

RunResult Trainer::fit(torch::optim::Optimizer& optimizer, int64_t run, const FitState& start) {
  std::vector<TrainHook*> hooks;
  for (const auto& h : hooks_) hooks.push_back(h.get());
  TORCH_CHECK(start.epochs_done >= 0 && start.epochs_done <= options_.epochs(), "Trainer: cannot resume after epoch ",
              start.epochs_done, " of ", options_.epochs());
  TrainEpochOptions epoch_options = options_.epoch();
  epoch_options.split(run);
  state_ = start;
  RunResult& best = state_.best;
  best.run = run;
  if (start.epochs_done == 0 && start.batches_done == 0) best.best_val = -1.0;
  for (int64_t epoch = start.epochs_done + 1; epoch <= options_.epochs(); ++epoch) {
    EpochRecord e;
    e.run = run;
    e.epoch = epoch;
    epoch_options.first_batch(state_.batches_done);
    try {
      e.train = train_epoch(model_, loader_, optimizer, data_, epoch_options, hooks);
    } catch (const NonFiniteError& error) {
      throw NonFiniteError("run " + std::to_string(run + 1) + ", epoch " + std::to_string(epoch) + ": " +
                           error.what() + "; stopping (on_nonfinite=skip skips such steps)");
    }
    // An epoch resumed part-way: its loss over every batch, the earlier ones included.
    const double loss_sum = state_.partial_loss_sum + (e.train.examples > 0 ? e.train.loss * e.train.examples : 0.0);
    const int64_t examples = state_.partial_examples + e.train.examples;
    e.train.loss = examples > 0 ? loss_sum / static_cast<double>(examples) : e.train.loss;
    e.train.examples = examples;
    if (e.train.interrupted) {
      state_.batches_done += e.train.batches;
      state_.partial_loss_sum = loss_sum;
      state_.partial_examples = examples;
      if (state_.batches_done < e.train.total_batches) {
        RunResult stopped = best;
        stopped.interrupted = true;
        return stopped;
      }
    }
    state_.batches_done = 0;
    state_.partial_loss_sum = 0.0;
    state_.partial_examples = 0;
    e.evaluated = epoch % options_.eval_every() == 0 || epoch == options_.epochs();
    if (e.evaluated) {
      const double t = util::now_seconds();
      const std::vector<double> m = evaluate_(run);
      e.eval_seconds = util::now_seconds() - t;
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
    state_.epochs_done = epoch;
    for (TrainHook* h : hooks) h->end_epoch(e, best);
    // A stop that came with the epoch's last batch ends the run here.
    if (e.train.interrupted && epoch < options_.epochs()) {
      RunResult stopped = best;
      stopped.interrupted = true;
      return stopped;
    }
  }
  for (TrainHook* h : hooks) h->end_run(best);
  return best;
}

}  // namespace gas
