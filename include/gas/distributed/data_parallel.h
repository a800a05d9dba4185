#pragma once
/// \file
/// Data-parallel training over a Communicator: the ranks start from the same
/// weights and, step by step, apply the same gradient, the mean over every
/// rank's training targets, while each keeps its halo's history rows in step
/// with their owners'.

#include <gas/distributed/communicator.h>
#include <gas/distributed/halo_exchange.h>
#include <gas/macros.h>
#include <gas/trainer.h>

#include <torch/nn/module.h>

#include <atomic>
#include <cstdint>

namespace gas {
namespace dist {

/// Overwrites every parameter and buffer of `model` with rank `root`'s, so
/// the ranks start from one model whatever their seeds. Collective.
GAS_API void broadcast_parameters(Communicator& comm, torch::nn::Module& model, int64_t root = 0);

/// Replaces every floating-point buffer of `model` (batch norm's running
/// statistics) by its mean over the ranks. Each rank's statistics follow its
/// own batches; before an evaluation, the job's mean makes every rank
/// normalise with the same statistics, those of all ranks' batches (a
/// single rank's stay as they are, bit for bit). Collective.
GAS_API void average_buffers(Communicator& comm, torch::nn::Module& model);

/// The gradient exchange of a collective epoch (TrainEpochOptions::
/// collective_steps), as a TrainHook: after each backward, one flat float64
/// buffer holding every gradient weighted by this rank's target count, the
/// summed loss, the count and whether `signal` is set here is summed over
/// the ranks; each gradient becomes the job's mean, the step's targets the
/// job's, and stop_flag() is set on every rank after the same step once any
/// rank's signal is. The weighting is exact in float64, so one rank
/// reproduces a single process bit for bit.
class GAS_API GradientAllReduce : public TrainHook {
 public:
  explicit GradientAllReduce(Communicator& comm, StopFlag signal = nullptr) : comm_(comm), signal_(signal) {}
  void after_backward(ScalableGNNImpl& model, StepTargets& step) override;
  /// The job's stop: for TrainEpochOptions::stop, in place of a local flag
  /// that would stop the ranks at different steps.
  StopFlag stop_flag() const { return &stop_; }

 private:
  Communicator& comm_;
  StopFlag signal_;
  std::atomic<bool> stop_{false};
};

/// When a rank copies its halo's history rows from their owners in training.
enum class HaloRefresh {
  Epoch,  ///< after every epoch that did not evaluate (an evaluation refreshes them layer by layer)
  Step,   ///< after every step: the staleness of one process, one all-to-all per step
  /// after every step, every history in one all-to-all that travels while
  /// the next step computes (PipeGCN's schedule): halo rows one step older
  /// than Step's, the transfer hidden behind a step's compute
  Pipelined,
};

/// The TrainHook of a rank in a data-parallel GAS run: the gradient
/// all-reduce after every backward and the halo refreshes of `refresh`, for
/// `model`, whose histories hold the rank's own rows then its halo's.
class GAS_API DataParallelHook : public TrainHook {
 public:
  /// `signal`: this process's stop request (a signal handler's flag).
  DataParallelHook(Communicator& comm, HaloExchange& halo, ScalableGNNImpl& model, HaloRefresh refresh,
                   StopFlag signal = nullptr);
  void after_backward(ScalableGNNImpl& model, StepTargets& step) override;
  void end_epoch(const EpochRecord& e, const RunResult& best) override;
  /// Every history's halo rows from their owners, in one all-to-all. Collective.
  void refresh_halo();
  /// Lands a pipelined refresh still in flight (before an evaluation reads
  /// the histories). Collective when one is.
  void finish_pending();
  /// Set on every rank after the same step once a rank's signal is.
  StopFlag stop_flag() const { return gradients_.stop_flag(); }

 private:
  GradientAllReduce gradients_;
  HaloExchange& halo_;
  ScalableGNNImpl& model_;
  HaloRefresh refresh_;
};

}  // namespace dist
}  // namespace gas
