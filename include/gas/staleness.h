#pragma once
/// \file
/// How stale the histories are: the rows training pulls against the exact
/// embeddings of the same weights, by layer and by age.
///
/// GAS reads a batch's halo from histories written up to an epoch (or, with
/// the per-epoch refresh off, many epochs) earlier, by other weights. The
/// monitor measures the cost: once per epoch, after its last batch, one
/// exact eval-mode pass of the whole graph (ScalableGNN::forward_exact, which
/// leaves the histories alone) gives every hidden layer's true output, and
/// each history's rows that batches pull are compared with it. The
/// measurement draws no random numbers and writes nothing: training is the
/// same with or without it.

#include <gas/datasets/dataset.h>
#include <gas/macros.h>
#include <gas/trainer.h>

#include <cstdint>
#include <vector>

namespace gas {

/// One history at one measurement.
struct GAS_API StalenessLayer {
  /// ||hist - exact||_F / ||exact||_F over the rows batches pull.
  double error = 0.0;
  /// Their mean age: training steps since each was last written.
  double mean_age = 0.0;
};

struct GAS_API StalenessRecord {
  int64_t run = 0, epoch = 0;  ///< epoch: 1-based
  int64_t step = 0;            ///< training steps of the run so far
  std::vector<StalenessLayer> layers;
};

/// The error by age, summed over measurements: rows of age in
/// [age_bounds[b], age_bounds[b + 1]) fall in bucket b (the last is open).
struct GAS_API StalenessByAge {
  static const std::vector<int64_t>& age_bounds();
  /// [layer][bucket]: sums of squared differences and of squared exact values, and row counts.
  std::vector<std::vector<double>> diff_sq, exact_sq;
  std::vector<std::vector<int64_t>> rows;
  /// sqrt(diff_sq / exact_sq) of a bucket; NaN where it holds no rows.
  double error(size_t layer, size_t bucket) const;
};

/// Nodes some batch pulls: those with a neighbour in another part (`ptr`:
/// the parts' node ranges of a partition-ordered graph). Bool [num_cols].
GAS_API at::Tensor pulled_nodes(const CSR& adj, const at::Tensor& ptr);

/// A Trainer hook measuring staleness after every `batches_per_epoch`-th
/// batch (an epoch's last). Turns on the histories' age tracking.
class GAS_API StalenessMonitor : public TrainHook {
 public:
  /// `data`: the model's graph; `pulled`: the rows to compare (pulled_nodes).
  StalenessMonitor(ScalableGNNImpl& model, const Dataset& data, at::Tensor pulled, int64_t batches_per_epoch);

  /// Measures the histories as they stand against the current weights.
  StalenessRecord measure();

  void end_batch(const Batch& batch) override;
  void end_run(const RunResult& result) override;

  /// Every measurement so far, in order.
  const std::vector<StalenessRecord>& records() const { return records_; }
  const StalenessByAge& by_age() const { return by_age_; }
  /// Seconds spent measuring.
  double seconds() const { return seconds_; }

 private:
  ScalableGNNImpl& model_;
  const Dataset& data_;
  at::Tensor pulled_;  // int64 ids of the rows compared
  int64_t batches_per_epoch_;
  int64_t batches_ = 0;
  int64_t run_ = 0;
  std::vector<StalenessRecord> records_;
  StalenessByAge by_age_;
  double seconds_ = 0.0;
};

}  // namespace gas
