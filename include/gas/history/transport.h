#pragma once
/// \file
/// How a training batch's history rows move: the transfer schedules behind a
/// HistoryStore.
///
/// Over a training batch the store calls begin_batch, then, layer by layer,
/// push (the batch's fresh in-batch rows) and pull (its halo rows), then
/// end_batch. A transport decides when the rows move: the synchronous one on
/// the calling thread at the call, the asynchronous one on a pool that
/// prefetches every layer's halo when the batch starts. The store validates
/// the tensors and moves them between the compute device and the storage's.

#include <gas/history/storage.h>
#include <gas/macros.h>

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace gas {

struct Batch;
struct HistoryTransfers;

class GAS_API HistoryTransport {
 public:
  virtual ~HistoryTransport() = default;
  /// Shown in logs.
  virtual std::string name() const = 0;
  /// Before the forward of a training batch; `layers` are the store's
  /// storages, valid until end_batch.
  virtual void begin_batch(const std::vector<HistoryStorage*>& layers, const Batch& batch) {}
  /// The batch's halo rows (batch.halo()) of layer `index`, on the storage's
  /// device or already on the compute device. The tensor may be a view of a buffer the transport reuses: valid
  /// until the next batch begins.
  virtual at::Tensor pull(HistoryStorage& layer, size_t index, const Batch& batch) = 0;
  /// Stores `rows` (the batch's batch_size in-batch rows: float32,
  /// contiguous, on the compute device) at the batch's nodes. The transport
  /// may read `rows` until end_batch.
  virtual void push(HistoryStorage& layer, size_t index, const at::Tensor& rows, const Batch& batch) = 0;
  /// After the forward: every push has landed when this returns, or (a
  /// device transport) is ordered before anything the next batch moves.
  virtual void end_batch() {}
  /// Every transfer started has landed: the store calls it before it reads
  /// or writes storage outside a training batch.
  virtual void synchronize() {}
  /// Time the device copies with events from now on (a device transport;
  /// the host ones time nothing of their own).
  virtual void set_profiling(bool on) {}
  /// After synchronize(): adds the device time of every copy timed since the
  /// last call to `into` (h2d_seconds, d2h_seconds) and forgets them.
  virtual void collect_device_times(HistoryTransfers& into) {}
};

/// Moves rows on the calling thread, in order.
class GAS_API SyncHistoryTransport : public HistoryTransport {
 public:
  std::string name() const override { return "sync"; }
  at::Tensor pull(HistoryStorage& layer, size_t index, const Batch& batch) override;
  void push(HistoryStorage& layer, size_t index, const at::Tensor& rows, const Batch& batch) override;
};

/// Moves rows on background threads (PyGAS's transfers in flight): when a
/// training batch starts, the halo rows of every layer are gathered into
/// reusable staging buffers (one per layer), and each layer waits only for
/// its own pull; pushes are queued as soon as a layer has produced its rows
/// and have all landed when the batch ends, before the next batch's pulls
/// begin. An error raised on a worker is rethrown by the call that waits for
/// its task (pull or end_batch). The workers read and write host storage
/// only; a CUDA transport adds the pinned staging copy and the side stream.
class GAS_API AsyncHistoryTransport : public HistoryTransport {
 public:
  explicit AsyncHistoryTransport(int64_t num_threads = 1);
  ~AsyncHistoryTransport() override;

  std::string name() const override { return "async"; }
  int64_t num_threads() const;
  void begin_batch(const std::vector<HistoryStorage*>& layers, const Batch& batch) override;
  at::Tensor pull(HistoryStorage& layer, size_t index, const Batch& batch) override;
  void push(HistoryStorage& layer, size_t index, const at::Tensor& rows, const Batch& batch) override;
  void end_batch() override;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// The transport of a `history_io` value: "sync", "async" (`threads`
/// workers), and those registered by a device's build (CUDA: "staged" with
/// `threads` gathering workers, "uva"). Throws naming the available ones.
GAS_API std::shared_ptr<HistoryTransport> make_history_transport(const std::string& name, int64_t threads = 1);

using HistoryTransportFactory = std::function<std::shared_ptr<HistoryTransport>(int64_t threads)>;
/// Makes `name` available to make_history_transport; the CUDA transports
/// register themselves so at load time. Returns true (for static initialisers).
GAS_API bool register_history_transport(const std::string& name, HistoryTransportFactory factory);

/// Writes a batch's in-batch rows (on any device) into `layer`: per
/// contiguous part range when the batch has them (METIS order), else by node id.
GAS_API void write_batch_rows(HistoryStorage& layer, const at::Tensor& rows, const Batch& batch);

}  // namespace gas
