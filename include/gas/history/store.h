#pragma once
/// \file
/// Historical embeddings: one N x width matrix per hidden layer, the memory
/// GAS pulls out-of-batch neighbours from and pushes fresh in-batch rows to.
///
/// A HistoryStore is the only way rows move in or out of a model's
/// histories: training's pushes and pulls, the full-graph fill, the layer
/// splitter (and its buffers for another graph) and the embedding export all
/// go through it. It owns every layer's storage (a HistoryBackend decides
/// where rows live) and the schedule of a training batch's transfers (a
/// HistoryTransport decides when they move), and times both.

#include <gas/history/storage.h>
#include <gas/history/transport.h>
#include <gas/macros.h>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace gas {

struct Batch;

/// Time spent in history transfers (for asynchronous transports, the time the
/// caller waited) and the rows moved, since the last reset.
struct GAS_API HistoryTransfers {
  double pull_seconds = 0.0;
  double push_seconds = 0.0;
  int64_t rows_pulled = 0;
  int64_t rows_pushed = 0;
  /// Device time of the transport's copies (seconds, summed over streams),
  /// timed with events when profiling is on; -1 where nothing was timed
  /// (host transports, profiling off).
  double h2d_seconds = -1.0;
  double d2h_seconds = -1.0;
};

/// A model's histories. Layer i is history i (the output of model layer i),
/// widths[i] wide, num_nodes rows, zero when created. It is deliberately not
/// a Module: model.to(device), parameters() and serialisation of the model
/// leave it alone; the owning ScalableGNN tells it the compute device.
class GAS_API HistoryStore {
 public:
  HistoryStore(int64_t num_nodes, std::vector<int64_t> widths,
               std::shared_ptr<HistoryBackend> backend = host_history_backend(),
               c10::Device compute_device = c10::Device(c10::kCPU));

  int64_t num_nodes() const { return num_nodes_; }
  /// Number of histories (hidden layers).
  int64_t size() const { return static_cast<int64_t>(widths_.size()); }
  bool empty() const { return widths_.empty(); }
  int64_t width(int64_t layer) const;
  const std::vector<int64_t>& widths() const { return widths_; }
  /// Bytes of storage over all layers.
  int64_t nbytes() const;

  /// Where pulled rows are delivered and pushed rows come from.
  c10::Device compute_device() const { return compute_device_; }
  /// Re-allocates storage suited to `device` (keeping its content) when the
  /// backend places it differently.
  void set_compute_device(c10::Device device);
  const HistoryBackend& backend() const { return *backend_; }
  /// Moves every layer into storage of `backend`, keeping its content.
  void set_backend(std::shared_ptr<HistoryBackend> backend);
  const HistoryTransport& transport() const { return *transport_; }
  /// How training batches move rows; synchronous by default.
  void set_transport(std::shared_ptr<HistoryTransport> transport);
  /// Times the transport's device copies with events (the CUDA transports;
  /// others ignore it); synchronize() adds them to transfers(). Kept across
  /// set_transport.
  void set_profiling(bool on);

  /// Zeroes every layer.
  void reset();

  /// Training batch, in this order: begin_batch, then per layer push and
  /// pull, then end_batch (also after an error, so no transfer is left in
  /// flight).
  void begin_batch(const Batch& batch);
  /// Pushes x[:batch_size] (the batch's in-batch rows) into `layer`. The
  /// transport may read x until end_batch: do not modify it in place.
  void push(int64_t layer, const at::Tensor& x, const Batch& batch);
  /// The batch's halo rows of `layer`, on the compute device.
  at::Tensor pull(int64_t layer, const Batch& batch);
  void end_batch();
  /// Waits until every transfer in flight has landed (a device transport
  /// leaves pushes in flight after end_batch); the store's other reads and
  /// writes call it themselves. Under profiling it also adds the device
  /// times of what landed to transfers().
  void synchronize();

  /// Overwrites every row of `layer` with x [num_nodes, width].
  void push(int64_t layer, const at::Tensor& x);
  /// Overwrites rows n_id (1-D int64) of `layer` with the rows of x.
  void push(int64_t layer, const at::Tensor& x, const at::Tensor& n_id);
  /// Overwrites the ranges [offset[i], offset[i] + count[i]) of `layer` with
  /// consecutive rows of x: the fast path for METIS-ordered batches.
  void push(int64_t layer, const at::Tensor& x, const at::Tensor& offset, const at::Tensor& count);
  /// Rows n_id (1-D int64, any device) of `layer`, on the compute device.
  at::Tensor pull(int64_t layer, const at::Tensor& n_id);
  /// Every row of `layer`, on the compute device (a copy).
  at::Tensor pull(int64_t layer);

  /// A zeroed store of the same widths, backend and compute device for a
  /// graph of `num_nodes` nodes: the layer splitter's buffers for another
  /// graph. Transfers are counted in this store.
  std::unique_ptr<HistoryStore> like(int64_t num_nodes);

  const HistoryTransfers& transfers() const { return *transfers_; }
  void reset_transfers() { *transfers_ = HistoryTransfers(); }

  /// Beyond plain GAS (all off by default):
  /// Push momentum m in [0, 1): a training batch's push writes
  /// m * old + (1 - m) * new instead of new (PipeGCN's smoothing of stale
  /// boundary features); full-graph and id pushes still overwrite.
  void set_push_momentum(double momentum);
  double push_momentum() const { return push_momentum_; }
  /// Rows n_id of `layer` <- gamma * x + (1 - gamma) * rows (GraphFM-OB's
  /// feature momentum on out-of-batch rows). The rows keep their age.
  void mix(int64_t layer, const at::Tensor& x, const at::Tensor& n_id, double gamma);

  /// Staleness bookkeeping: with it on, the store counts training batches
  /// (begin_batch) and remembers, per layer and row, that count at the row's
  /// last write. Off by default (an int64 per row and layer when on).
  void track_ages(bool on);
  bool tracks_ages() const { return !written_at_.empty(); }
  /// Training batches begun since track_ages(true).
  int64_t steps() const { return steps_; }
  /// Steps since each row of `layer` was last written (int64 [num_nodes]);
  /// rows never written since tracking began count from its start.
  at::Tensor ages(int64_t layer) const;

 private:
  HistoryStorage& layer(int64_t layer) const;
  /// Every layer's storage, allocated at first use: a backend chosen after
  /// construction (set_backend) costs no allocation of the default one,
  /// which for histories larger than RAM could not be made.
  const std::vector<std::unique_ptr<HistoryStorage>>& storages() const;
  /// New storage from the backend for the compute device, content kept.
  void reallocate();
  void check_rows(int64_t layer, const at::Tensor& x, int64_t rows, const char* what) const;
  /// Overwrites rows n_id of `layer` (checked) without touching their ages.
  void write_rows(int64_t layer, const at::Tensor& x, const at::Tensor& n_id);
  /// Ages: rows `n_id` (or every row, undefined n_id) of `layer` written now.
  void mark_written(int64_t layer, const at::Tensor& n_id);
  /// x detached, float32, contiguous, on the layer's storage device.
  at::Tensor to_storage(int64_t layer, const at::Tensor& x) const;

  int64_t num_nodes_;
  std::vector<int64_t> widths_;
  std::shared_ptr<HistoryBackend> backend_;
  std::shared_ptr<HistoryTransport> transport_;
  mutable std::vector<std::unique_ptr<HistoryStorage>> layers_;  // empty until storages()
  std::string name_ = "history";  // the storages' names: history0, history1, ... (like(): buffer0, ...)
  c10::Device compute_device_ = c10::Device(c10::kCPU);
  // Shared with the stores like() makes, so a layer splitter's buffers count
  // in their model's figures.
  std::shared_ptr<HistoryTransfers> transfers_;
  bool profiling_ = false;
  double push_momentum_ = 0.0;
  int64_t steps_ = 0;
  std::vector<at::Tensor> written_at_;  // per layer: steps_ at each row's last write (with track_ages)
};

}  // namespace gas
