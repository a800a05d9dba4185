#pragma once
/// \file
/// Extra forward-only refreshes of the histories during training (REST-like:
/// Xue et al., "Haste Makes Waste", 2024): every `every` batches, one pass
/// over the whole graph (full-batch or layer-wise, as the run evaluates)
/// rewrites every history with the current weights, so that no pulled row is
/// more than `every` steps old. The pass is whatever `refresh` runs: exact
/// (eval mode), or in training mode (refresh_mode=train), whose rows carry
/// dropout like the in-batch rows they are aggregated with. It costs one
/// inference pass per refresh and no memory.

#include <gas/macros.h>
#include <gas/trainer.h>

#include <cstdint>
#include <functional>

namespace gas {

class GAS_API RefreshSchedule : public TrainHook {
 public:
  /// `refresh` runs one pass that writes every history.
  RefreshSchedule(int64_t every, std::function<void()> refresh);

  void end_batch(const Batch& batch) override;
  /// Each run counts its batches from its start.
  void end_run(const RunResult& result) override { batches_ = 0; }

  int64_t passes() const { return passes_; }
  double seconds() const { return seconds_; }

 private:
  int64_t every_;
  std::function<void()> refresh_;
  int64_t batches_ = 0;
  int64_t passes_ = 0;
  double seconds_ = 0.0;
};

}  // namespace gas
