#pragma once
/// \file
/// Historical embeddings: one N x width matrix per hidden layer, the memory
/// GAS pulls out-of-batch neighbours from and pushes fresh in-batch rows to.

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace gas {

struct Batch;

/// Where history storage lives, relative to the model's compute device.
enum class HistoryPlacement {
  /// Host memory; pinned when the model runs on CUDA (so transfers can be
  /// asynchronous), plain otherwise. GAS's default: GPU memory stays constant.
  Host,
  /// The model's device: no transfers, but N x width per layer on the device.
  Device,
};

/// Parses "host" or "device"; throws naming the valid ones.
HistoryPlacement parse_history_placement(const std::string& name);

/// One history: float32 [num_embeddings, embedding_dim], zero-initialised.
/// It is deliberately not a Module: model.to(device), parameters() and
/// serialisation leave it alone; the owning ScalableGNN places it.
class History {
 public:
  History(int64_t num_embeddings, int64_t embedding_dim);

  int64_t num_embeddings() const { return emb_.size(0); }
  int64_t embedding_dim() const { return emb_.size(1); }
  /// The storage (host or device, see place()).
  const at::Tensor& emb() const { return emb_; }
  /// Where pulled rows are delivered.
  c10::Device compute_device() const { return compute_device_; }
  /// Bytes of storage.
  int64_t nbytes() const { return emb_.numel() * static_cast<int64_t>(emb_.element_size()); }

  /// Fills with zeros.
  void reset();

  /// Moves the storage (keeping its content) so that it suits `compute_device`
  /// under `placement`.
  void place(c10::Device compute_device, HistoryPlacement placement);

  /// Rows n_id (int64, any device), delivered on the compute device.
  at::Tensor pull(const at::Tensor& n_id) const;
  /// Every row, on the compute device.
  at::Tensor pull() const;

  /// Overwrites every row with x [num_embeddings, embedding_dim].
  void push(const at::Tensor& x);
  /// Overwrites rows n_id with the rows of x.
  void push(const at::Tensor& x, const at::Tensor& n_id);
  /// Overwrites the contiguous ranges [offset[i], offset[i] + count[i]) with
  /// consecutive rows of x: the fast path for METIS-ordered batches.
  void push(const at::Tensor& x, const at::Tensor& offset, const at::Tensor& count);

 private:
  void check_rows(const at::Tensor& x, int64_t rows, const char* what) const;

  at::Tensor emb_;
  c10::Device compute_device_ = c10::Device(c10::kCPU);
};

/// How a ScalableGNN moves rows between its histories and the compute device
/// during a training batch. The synchronous implementation below copies on
/// demand; an asynchronous one (prefetching every layer's halo when the batch
/// starts, pushing in the background) implements the same four calls, so
/// models never change.
class HistoryIO {
 public:
  virtual ~HistoryIO() = default;
  /// Shown in logs.
  virtual std::string name() const = 0;
  /// Before the forward of a training batch.
  virtual void begin_batch(std::vector<History>& histories, const Batch& batch) {}
  /// Halo rows (n_id[batch_size:]) of histories[index], on the compute device.
  virtual at::Tensor pull_halo(std::vector<History>& histories, size_t index, const Batch& batch) = 0;
  /// Stores x[:batch_size] into histories[index] at the batch's nodes. An
  /// implementation may read x later, until end_batch: do not modify it in
  /// place before then.
  virtual void push_batch(std::vector<History>& histories, size_t index, const at::Tensor& x, const Batch& batch) = 0;
  /// After the forward: every push has landed when this returns.
  virtual void end_batch() {}
};

/// Copies on the calling thread, in order.
class SyncHistoryIO : public HistoryIO {
 public:
  std::string name() const override { return "sync"; }
  at::Tensor pull_halo(std::vector<History>& histories, size_t index, const Batch& batch) override;
  void push_batch(std::vector<History>& histories, size_t index, const at::Tensor& x, const Batch& batch) override;
};

/// Moves history rows on background threads: when a training batch starts,
/// the halo rows of every history are gathered into reusable staging
/// buffers (one per history), and each layer waits only for its own pull;
/// pushes are queued as soon as a layer has produced its rows and have all
/// landed when the batch ends, before the next batch's pulls begin. The
/// tensor pull_halo returns is a view of the staging buffer: valid until the
/// next batch starts (ScalableGNN copies it into the layer input at once).
/// An error raised on a worker is rethrown to the caller by the call that
/// waits for the task (pull_halo or end_batch).
///
/// The staging buffers live in host memory; for a CUDA model the same
/// schedule adds a pinned staging copy and a transfer on a side stream per
/// history, which is the device half this class is designed to take.
class AsyncHistoryIO : public HistoryIO {
 public:
  explicit AsyncHistoryIO(int64_t num_threads = 1);
  ~AsyncHistoryIO() override;

  std::string name() const override { return "async"; }
  void begin_batch(std::vector<History>& histories, const Batch& batch) override;
  at::Tensor pull_halo(std::vector<History>& histories, size_t index, const Batch& batch) override;
  void push_batch(std::vector<History>& histories, size_t index, const at::Tensor& x, const Batch& batch) override;
  void end_batch() override;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace gas
