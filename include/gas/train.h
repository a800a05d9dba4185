#pragma once
/// \file
/// The pieces of a GAS training loop: optimiser, loss, one training epoch and
/// evaluation, each usable on its own in a user's loop.

#include <gas/compat.h>
#include <gas/datasets/dataset.h>
#include <gas/layerwise.h>
#include <gas/loader.h>
#include <gas/macros.h>
#include <gas/scalable_gnn.h>

#include <torch/arg.h>
#include <torch/optim/adam.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <vector>

namespace gas {

class TrainHook;

/// Adam over two parameter groups: reg_parameters() with `reg_weight_decay`,
/// nonreg_parameters() with `nonreg_weight_decay` (PyGAS's reg/nonreg modules);
/// a gas::optim::Adam (optim/adam.h: the update fused, LibTorch's state).
GAS_API std::unique_ptr<torch::optim::Adam> make_adam(ScalableGNNImpl& model, double lr, double reg_weight_decay,
                                              double nonreg_weight_decay);

/// Cross-entropy for single-label targets, binary cross-entropy on logits for
/// multi-label ones; the mean over the given rows.
GAS_API at::Tensor node_loss(const at::Tensor& logits, const at::Tensor& y);

/// torch::nn::utils::clip_grad_norm_ without its host read of the norm:
/// every gradient is scaled by min(1, max_norm / (norm + 1e-6)), with the
/// global 2-norm and the scale kept on the device, so a CUDA step is
/// enqueued without waiting (LibTorch's returns the norm as a double: a
/// device sync per step).
GAS_API void clip_grad_norm(const std::vector<at::Tensor>& parameters, double max_norm);

/// What a step whose loss or a gradient is not finite does.
enum class NonFinite {
  Stop,  ///< the epoch throws NonFiniteError naming the batch
  Skip,  ///< no optimiser step; counted in TrainEpochStats::skipped_steps
};

/// A non-finite loss or gradient under NonFinite::Stop. what() names the
/// batch (the Trainer adds the run and epoch).
class GAS_API NonFiniteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A flag another thread or a signal handler sets to stop training.
using StopFlag = const std::atomic<bool>*;

struct GAS_API TrainEpochOptions {
  /// Clip the global gradient norm to this value (disabled when unset).
  TORCH_ARG(gas::optional<double>, grad_norm) = gas::nullopt;
  /// Visit at most this many batches (0: all), PyGAS's max_steps.
  TORCH_ARG(int64_t, max_steps) = 0;
  /// Which column of multi-split masks to train on.
  TORCH_ARG(int64_t, split) = 0;
  /// Non-finite losses and gradients: stop (on a CUDA device, at the end of
  /// the epoch, naming the first such batch, so that no step waits for a
  /// host read) or skip the step (a host read per step).
  TORCH_ARG(NonFinite, on_nonfinite) = NonFinite::Stop;
  /// Start at this batch of the epoch's order (resuming an interrupted epoch:
  /// the loader does not build the batches before it).
  TORCH_ARG(int64_t, first_batch) = 0;
  /// A collective epoch (data-parallel runs): 0 for none; otherwise the
  /// epoch takes exactly this many steps (max_steps still caps them), its
  /// batches and then empty steps once the loader runs out, and every step,
  /// a batch without training nodes included, calls the after_backward
  /// hooks (with zero gradients where this rank has no target): every rank
  /// then issues the same collectives.
  TORCH_ARG(int64_t, collective_steps) = 0;
  /// Checked after every batch: once set, the epoch ends there with
  /// TrainEpochStats::interrupted (a signal handler's flag).
  TORCH_ARG(StopFlag, stop) = nullptr;
};

struct GAS_API TrainEpochStats {
  double loss = 0.0;              ///< mean over training nodes
  int64_t examples = 0;           ///< training nodes the loss is over
  int64_t skipped_steps = 0;      ///< steps skipped for a non-finite loss or gradient (NonFinite::Skip)
  bool interrupted = false;       ///< ended early by TrainEpochOptions::stop
  int64_t batches = 0;            ///< batches taken from the loader (from first_batch on), and a collective epoch's empty steps
  int64_t steps = 0;              ///< optimiser steps (batches with training nodes)
  int64_t total_batches = 0;      ///< batches an epoch holds (a collective epoch: its steps)
  double seconds = 0.0;           ///< wall time of the epoch, of which:
  double wait_seconds = 0.0;      ///<   waiting for the loader (batch construction not hidden)
  double forward_seconds = 0.0;   ///< forward passes, history pull and push included
  double backward_seconds = 0.0;  ///< loss and backward passes
  double step_seconds = 0.0;      ///< gradient clipping and optimiser steps
  double pull_seconds = 0.0;      ///< history pulls (within forward)
  double push_seconds = 0.0;      ///< history pushes (within forward)
  /// Device time of the history copies on the transport's side streams,
  /// timed with events under profiling (HistoryStore::set_profiling); -1
  /// where nothing was timed. They overlap compute: not part of the above.
  double h2d_seconds = -1.0, d2h_seconds = -1.0;
};

/// One epoch of GAS training over `loader` (built on `data`'s permuted graph):
/// each batch with training nodes runs forward with history push/pull, the
/// loss on its training nodes, backward and an optimiser step. Batches
/// without training nodes are skipped (their rows are refreshed by the next
/// evaluation pass, as in PyGAS).
/// `hooks` (see trainer.h) are called after each backward pass and batch.
/// No host read of a device value happens inside the loop (the training
/// rows are chosen from the CPU mask, the loss is summed on the device and
/// read once at the end, gradient clipping scales on the device), so on a
/// GPU the host runs ahead and the phase times above are enqueue times.
GAS_API TrainEpochStats train_epoch(ScalableGNNImpl& model, SubgraphLoader& loader, torch::optim::Optimizer& optimizer,
                            const Dataset& data, const TrainEpochOptions& options = {},
                            const std::vector<TrainHook*>& hooks = {});

/// Eval-mode full-batch forward of the whole graph (no gradients). It writes
/// every history as a side effect, which is how GAS fills them, unless
/// `keep_histories` (ScalableGNN::forward_exact), which also fills `hidden`
/// with each history's exact rows when given. `training` runs it in training
/// mode instead (dropout drawn as in a training step, still no gradients;
/// LayerwiseOptions::training).
GAS_API at::Tensor full_batch_inference(ScalableGNNImpl& model, const Dataset& data, bool keep_histories = false,
                                        std::vector<at::Tensor>* hidden = nullptr, bool training = false);

}  // namespace gas
