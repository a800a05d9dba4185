#pragma once
/// \file
/// The halo of a rank: history rows of nodes its own nodes read but another
/// rank owns, copied from their owners by all-to-alls (one per refresh).

#include <gas/distributed/communicator.h>
#include <gas/macros.h>

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace gas {

class HistoryStore;

namespace dist {

/// Which rows a rank sends to and receives from each peer when it refreshes
/// its halo, worked out once from the partition.
///
/// A rank's rows (its histories, its features) are laid out locally as its
/// owned nodes first, in global order, then its halo nodes in `halo`'s order.
/// Owners hold contiguous global ranges in rank order, so the halo sorted by
/// global id is also grouped by owner, and the rows received land in place.
class GAS_API HaloExchange {
 public:
  /// `owner_offsets` (int64 [K+1], non-decreasing from 0): rank r owns global
  /// nodes [owner_offsets[r], owner_offsets[r+1]). `halo` (int64, strictly
  /// increasing): global ids of the nodes this rank reads and does not own.
  /// Collective: every rank tells each owner how many and which of its rows
  /// it needs (two all-to-alls).
  HaloExchange(Communicator& comm, const at::Tensor& owner_offsets, const at::Tensor& halo);

  int64_t num_owned() const { return num_owned_; }
  int64_t num_halo() const { return num_halo_; }
  /// Rows sent to (received from) rank r per refresh of a layer.
  const std::vector<int64_t>& send_counts() const { return send_counts_; }
  const std::vector<int64_t>& recv_counts() const { return recv_counts_; }
  /// Local ids of the owned rows sent, grouped by destination rank.
  const at::Tensor& send_rows() const { return send_rows_; }

  /// Overwrites the halo rows [num_owned, num_owned + num_halo) of `table`
  /// ([num_owned + num_halo, width], CPU, contiguous) with their owners'
  /// rows. Collective.
  void refresh(at::Tensor& table);
  /// The same for history `layer` of `store` (num_owned + num_halo rows, any
  /// backend and device). Collective.
  void refresh(HistoryStore& store, int64_t layer);

  /// Every layer of `store` in one all-to-all (the layers' rows side by
  /// side), in two halves: start_refresh sends the own rows, finish_refresh
  /// waits for the halo rows and writes them; the caller computes in
  /// between while the rows travel. Collective.
  void start_refresh(HistoryStore& store);
  void finish_refresh(HistoryStore& store);
  bool refresh_pending() const { return pending_.pending(); }

  /// Bytes this rank receives per refresh of a `width`-wide float32 layer:
  /// what the partition predicts (every halo row comes from another rank),
  /// to hold the communicator's counters against.
  int64_t bytes_per_refresh(int64_t width) const {
    return num_halo_ * width * static_cast<int64_t>(sizeof(float));
  }

 private:
  Communicator& comm_;
  int64_t num_owned_ = 0, num_halo_ = 0;
  std::vector<int64_t> send_counts_, recv_counts_;
  at::Tensor send_rows_;
  // A refresh in flight: its layers [first, last) of the store.
  PendingAllToAll pending_;
  int64_t pending_first_ = 0, pending_last_ = 0;

  void start(HistoryStore& store, int64_t first, int64_t last);
};

}  // namespace dist
}  // namespace gas
