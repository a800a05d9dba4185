#pragma once
/// \file
/// The collectives a data-parallel GAS run needs, over PyTorch's c10d (Gloo on
/// the CPU), behind one object that counts every byte it moves and names the
/// rank that went missing when a collective fails. The c10d and Gloo headers
/// stay in the implementation: including this costs nothing.

#include <gas/macros.h>

#include <ATen/core/Tensor.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace gas {
namespace dist {

/// Where this process stands in a job, as torchrun (and gas_launch) describe
/// it in the environment.
struct GAS_API LaunchInfo {
  int64_t rank = 0;
  int64_t world_size = 1;
  int64_t local_rank = 0;
  int64_t local_world_size = 1;  ///< processes of the job on this machine
  std::string master_addr = "127.0.0.1";
  int64_t master_port = 29500;

  /// From RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR and
  /// MASTER_PORT; one
  /// process (rank 0 of 1) when WORLD_SIZE is unset. Throws naming the
  /// variable and its value when one is malformed or out of range.
  static LaunchInfo from_environment();
};

/// A collective that failed: a peer died, stopped answering within the
/// timeout, or the job's ranks disagreed. what() names this rank, the
/// collective and, where it could be told, the missing rank(s).
class GAS_API DistributedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What one kind of collective moved, counted by this rank: the payload it
/// contributed and the payload it got back, not the wire traffic of the
/// algorithm (a ring all-reduce of S bytes puts about 2 S (K-1)/K on each
/// link). Rows a rank keeps for itself in an all-to-all are not counted.
struct GAS_API Traffic {
  int64_t calls = 0;
  int64_t bytes_sent = 0;
  int64_t bytes_received = 0;
};

/// An all-to-all in flight (Communicator::start_all_to_all): other work
/// runs while its rows travel. The Communicator must outlive it.
class GAS_API PendingAllToAll {
 public:
  bool pending() const { return static_cast<bool>(wait_); }
  /// Blocks until the rows have arrived and returns them (as all_to_all
  /// would); throws DistributedError as it would. Once only.
  at::Tensor wait();

 private:
  friend class Communicator;
  std::function<void()> wait_;
  at::Tensor out_;
};

/// One process's membership of a job: its rank, the process group, and the
/// traffic counters. Every collective must be called by every rank in the
/// same order with matching shapes (the c10d contract); a peer that fails or
/// does not arrive within `timeout` makes the call throw DistributedError
/// rather than hang. Not for concurrent use from several threads.
class GAS_API Communicator {
 public:
  /// Joins the job described by `info`: rank 0 hosts the rendezvous store at
  /// master_addr:master_port, every rank connects to it, then to each other
  /// (Gloo over TCP). Waits at most `timeout` for the others to arrive.
  Communicator(const LaunchInfo& info, std::chrono::milliseconds timeout);
  ~Communicator();
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

  int64_t rank() const { return rank_; }
  int64_t size() const { return size_; }
  std::chrono::milliseconds timeout() const { return timeout_; }

  /// Sums `t` (CPU, contiguous) over the ranks, in place.
  void all_reduce_sum(at::Tensor& t);
  /// Element-wise maximum over the ranks, in place.
  void all_reduce_max(at::Tensor& t);
  /// Overwrites `t` on every rank with rank `root`'s.
  void broadcast(at::Tensor& t, int64_t root = 0);
  /// Rows of `send` (CPU, 2-D or 1-D, contiguous) in rank order: the first
  /// send_counts[0] rows go to rank 0, the next send_counts[1] to rank 1, and
  /// so on; returns the rows received, recv_counts[r] from rank r, in rank
  /// order. Both count vectors have size() entries; every rank's recv_counts
  /// must match what the others send it.
  at::Tensor all_to_all(const at::Tensor& send, const std::vector<int64_t>& send_counts,
                        const std::vector<int64_t>& recv_counts);
  /// all_to_all, started: the rows travel until wait(). Collectives issued
  /// before the wait keep their order on every rank.
  PendingAllToAll start_all_to_all(const at::Tensor& send, const std::vector<int64_t>& send_counts,
                                   const std::vector<int64_t>& recv_counts);
  /// Every rank's `t` (same shape everywhere), stacked in rank order:
  /// [size() * t.size(0), ...].
  at::Tensor all_gather(const at::Tensor& t);
  /// Every rank's rows (any count, same trailing shape and dtype) stacked in
  /// rank order on rank `root`; an empty tensor on the others.
  at::Tensor gather(const at::Tensor& rows, int64_t root = 0);
  /// Returns when every rank has called it.
  void barrier();

  /// Traffic per collective ("all_reduce", "all_to_all", ...) since the
  /// start or the last reset_traffic().
  const std::map<std::string, Traffic>& traffic() const { return traffic_; }
  void reset_traffic() { traffic_.clear(); }

 private:
  struct Impl;
  // Runs `op`, counting its traffic; turns a failure into DistributedError
  // naming the collective and the rank(s) that stopped answering.
  template <typename Op>
  void run(const char* name, int64_t sent, int64_t received, Op&& op);
  void all_reduce(at::Tensor& t, bool max, const char* caller);

  int64_t rank_ = 0, size_ = 1;
  std::chrono::milliseconds timeout_;
  int64_t alive_after_failure_ = 0;  // after a failed collective: the ranks still beating, this one included
  std::unique_ptr<Impl> impl_;
  std::map<std::string, Traffic> traffic_;
};

}  // namespace dist
}  // namespace gas
