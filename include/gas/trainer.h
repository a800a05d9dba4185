#pragma once
/// \file
/// The training run: epochs of train_epoch, evaluation, best-epoch tracking,
/// and hooks at fixed points, so that reporting, exports and, later, the
/// gradient all-reduce, rank-0 logging and checkpoints are hook
/// implementations instead of edits to the loop. The benchmarks run on it; a
/// user's own main can too.

#include <gas/macros.h>
#include <gas/train.h>

#include <torch/arg.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace gas {

/// One run's result: the epoch of its best validation metric.
struct GAS_API RunResult {
  int64_t run = 0;
  int64_t seed = 0;
  double best_val = 0.0;   ///< best validation metric (fraction)
  double test = 0.0;       ///< test metric at the best validation epoch
  int64_t best_epoch = 0;  ///< 1-based
  bool interrupted = false;  ///< stopped by TrainEpochOptions::stop before its last epoch
};

/// Where a run stands between two batches: what a checkpoint keeps and
/// Trainer::fit resumes from.
struct GAS_API FitState {
  int64_t epochs_done = 0;   ///< completed epochs (trained, and evaluated when due)
  int64_t batches_done = 0;  ///< batches of epoch epochs_done + 1 trained already (an interrupted epoch)
  double partial_loss_sum = 0.0;  ///< their loss, summed over their training nodes
  int64_t partial_examples = 0;
  RunResult best;  ///< best validation so far (best_val -1: none yet)
};

/// What one epoch did.
struct GAS_API EpochRecord {
  int64_t run = 0, epoch = 0;  ///< epoch is 1-based
  TrainEpochStats train;
  bool evaluated = false;  ///< with eval_every > 1, most epochs only train
  double eval_seconds = 0;
  double train_metric = 0, val_metric = 0, test_metric = 0;
};

/// A step's training targets as the after_backward hooks see them: this
/// rank's, which a data-parallel hook replaces by the whole job's.
struct GAS_API StepTargets {
  int64_t examples = 0;  ///< training nodes the step's loss is over
  at::Tensor loss_sum;   ///< their summed loss: a double scalar on the model's device
};

/// Called by Trainer::fit (and train_epoch) at fixed points; every method
/// does nothing unless overridden.
class GAS_API TrainHook {
 public:
  virtual ~TrainHook() = default;
  /// A step's gradients exist (the mean over `step`'s targets), before
  /// clipping and the optimiser step: where a data-parallel run all-reduces
  /// them and makes `step` the job's. The optimiser steps when the step has
  /// targets after the hooks.
  virtual void after_backward(ScalableGNNImpl& model, StepTargets& step) {}
  /// A batch is done (stepped, or skipped for having no training node).
  virtual void end_batch(const Batch& batch) {}
  /// The run found a better validation metric in epoch `e` (`best` updated).
  virtual void new_best(const EpochRecord& e, const RunResult& best) {}
  /// An epoch is done, after any new_best.
  virtual void end_epoch(const EpochRecord& e, const RunResult& best) {}
  /// A run is done: `result` is what fit() returns.
  virtual void end_run(const RunResult& result) {}
};

struct GAS_API TrainerOptions {
  /// Epochs per run.
  TORCH_ARG(int64_t, epochs) = 1;
  /// Evaluate every this many epochs (and after the last).
  TORCH_ARG(int64_t, eval_every) = 1;
  /// Options of every epoch (gradient clipping, max_steps; the split is the run's).
  TORCH_ARG(TrainEpochOptions, epoch) = {};
};

/// Trains `model` over `loader` on `data`. `evaluate(run)` returns the
/// {train, val, test} metrics of the model as it stands (fractions).
class GAS_API Trainer {
 public:
  using Evaluate = std::function<std::vector<double>(int64_t run)>;

  Trainer(ScalableGNNImpl& model, SubgraphLoader& loader, const Dataset& data, Evaluate evaluate,
          TrainerOptions options = {});

  /// Hooks are called in the order they were added.
  void add_hook(std::shared_ptr<TrainHook> hook);

  /// One run: `options.epochs` epochs with `optimizer`, training on split
  /// `run` of multi-split masks, evaluating as configured. From `start`
  /// when resuming (the model, optimiser, histories, loader position and
  /// random state restored by the caller). When the epoch options' stop flag
  /// ends an epoch early, returns at once with `interrupted` set; state()
  /// then says where to resume. A NonFiniteError is rethrown with the run
  /// and epoch in its message.
  RunResult fit(torch::optim::Optimizer& optimizer, int64_t run = 0, const FitState& start = {});

  /// Where the current (or last) run stands.
  const FitState& state() const { return state_; }

 private:
  ScalableGNNImpl& model_;
  SubgraphLoader& loader_;
  const Dataset& data_;
  Evaluate evaluate_;
  TrainerOptions options_;
  std::vector<std::shared_ptr<TrainHook>> hooks_;
  FitState state_;
};

}  // namespace gas
