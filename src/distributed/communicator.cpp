#include <gas/distributed/communicator.h>

#include <ATen/ATen.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

namespace gas {
namespace dist {
namespace {

int64_t env_int(const char* name, int64_t fallback, int64_t min, int64_t max) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return fallback;
  char* end = nullptr;
  errno = 0;
  const long long parsed = std::strtoll(value, &end, 10);
  TORCH_CHECK(errno == 0 && *end == '\0' && parsed >= min && parsed <= max, "environment variable ", name, "='", value,
              "': expected an integer in [", min, ", ", max, "]");
  return parsed;
}

c10::intrusive_ptr<c10d::TCPStore> connect_store(const LaunchInfo& info, bool server,
                                                 std::chrono::milliseconds timeout) {
  c10d::TCPStoreOptions options;
  options.port = static_cast<uint16_t>(info.master_port);
  options.isServer = server;
  options.numWorkers = static_cast<size_t>(info.world_size);
  options.waitWorkers = false;
  options.timeout = timeout;
  return c10::make_intrusive<c10d::TCPStore>(info.master_addr, options);
}

// The first line of an error, without LibTorch's backtrace.
std::string reason(const std::exception& e) {
  const auto* error = dynamic_cast<const c10::Error*>(&e);
  const std::string text = error != nullptr ? error->what_without_backtrace() : e.what();
  return text.substr(0, text.find('\n'));
}

std::string beat_key(int64_t rank) { return "gas/beat/" + std::to_string(rank); }
// How many ranks have finished naming the missing ones after a failure.
const char* const kDiagnosed = "gas/diagnosed";

// Each rank bumps a counter in the store twice a second on a thread of its
// own (with its own connection): when a collective fails, the counters that
// stopped moving name the ranks that died or stopped. Shared with its thread,
// which may outlive the Communicator when the store's host stopped answering.
struct Heartbeat {
  static constexpr std::chrono::milliseconds period{500};
  std::mutex mutex;
  std::condition_variable wake;
  bool stop = false;
  bool done = false;
};

}  // namespace

LaunchInfo LaunchInfo::from_environment() {
  LaunchInfo info;
  info.world_size = env_int("WORLD_SIZE", 1, 1, 1 << 20);
  info.rank = env_int("RANK", 0, 0, info.world_size - 1);
  info.local_world_size = env_int("LOCAL_WORLD_SIZE", info.world_size, 1, info.world_size);
  info.local_rank = env_int("LOCAL_RANK", info.rank % info.local_world_size, 0, info.local_world_size - 1);
  info.master_port = env_int("MASTER_PORT", info.master_port, 1, 65535);
  if (const char* addr = std::getenv("MASTER_ADDR"); addr != nullptr && *addr != '\0') info.master_addr = addr;
  return info;
}

struct Communicator::Impl {
  c10::intrusive_ptr<c10d::TCPStore> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
  std::shared_ptr<Heartbeat> heartbeat = std::make_shared<Heartbeat>();
  std::thread beat_thread;

  // The ranks whose heartbeat did not move over three periods; nothing when
  // the store's host, rank 0, does not answer within two seconds. Runs on a
  // detached thread: a stopped store host would block it.
  std::optional<std::vector<int64_t>> silent_ranks(int64_t self, int64_t size) {
    using Ranks = std::vector<int64_t>;
    auto task = std::make_shared<std::packaged_task<Ranks()>>([s = store, self, size] {
      Ranks before;
      for (int64_t r = 0; r < size; ++r) before.push_back(s->add(beat_key(r), 0));
      std::this_thread::sleep_for(3 * Heartbeat::period);
      Ranks silent;
      for (int64_t r = 0; r < size; ++r)
        if (r != self && s->add(beat_key(r), 0) == before[static_cast<size_t>(r)]) silent.push_back(r);
      s->add(kDiagnosed, 1);
      return silent;
    });
    std::future<Ranks> answer = task->get_future();
    std::thread([task] {
      try {
        (*task)();
      } catch (...) {
      }
    }).detach();
    if (answer.wait_for(3 * Heartbeat::period + std::chrono::seconds(2)) != std::future_status::ready)
      return std::nullopt;
    try {
      return answer.get();
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
};

Communicator::Communicator(const LaunchInfo& info, std::chrono::milliseconds timeout)
    : rank_(info.rank), size_(info.world_size), timeout_(timeout), impl_(std::make_unique<Impl>()) {
  TORCH_CHECK(info.world_size >= 1 && info.rank >= 0 && info.rank < info.world_size, "Communicator: rank ", info.rank,
              " outside a world of ", info.world_size);
  TORCH_CHECK(timeout.count() > 0, "Communicator: timeout must be positive, got ", timeout.count(), " ms");
  const std::string where = info.master_addr + ":" + std::to_string(info.master_port);
  try {
    impl_->store = connect_store(info, info.rank == 0, timeout);
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(info.master_addr));
    impl_->group = c10::make_intrusive<c10d::ProcessGroupGloo>(
        c10::make_intrusive<c10d::PrefixStore>("gas", impl_->store), static_cast<int>(rank_), static_cast<int>(size_),
        options);
  } catch (const std::exception& e) {
    throw DistributedError("rank " + std::to_string(rank_) + " of " + std::to_string(size_) +
                           ": could not join the job at " + where + " within " +
                           std::to_string(timeout.count() / 1000.0) + " s: " + reason(e));
  }
  impl_->store->add(beat_key(rank_), 1);
  std::shared_ptr<Heartbeat> beat = impl_->heartbeat;
  auto client = connect_store(info, /*server=*/false, timeout);
  impl_->beat_thread = std::thread([beat, client, key = beat_key(rank_)] {
    std::unique_lock<std::mutex> lock(beat->mutex);
    while (!beat->wake.wait_for(lock, Heartbeat::period, [&] { return beat->stop; })) {
      lock.unlock();
      try {
        client->add(key, 1);
      } catch (const std::exception&) {
        // The store's host is gone; the collectives report it.
      }
      lock.lock();
    }
    beat->done = true;
    beat->wake.notify_all();
  });
}

Communicator::~Communicator() {
  // The store lives in rank 0: after a failure it stays up until every rank
  // still alive has read the heartbeats to name the missing one (a rank may
  // sit in a collective for up to the timeout first), or that long at most.
  if (rank_ == 0 && alive_after_failure_ > 0) {
    const auto deadline = std::chrono::steady_clock::now() + timeout_ + 3 * Heartbeat::period + std::chrono::seconds(1);
    try {
      while (impl_->store->add(kDiagnosed, 0) < alive_after_failure_ && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    } catch (const std::exception&) {
    }
  }
  std::shared_ptr<Heartbeat> beat = impl_->heartbeat;
  std::unique_lock<std::mutex> lock(beat->mutex);
  beat->stop = true;
  beat->wake.notify_all();
  // A store host that stopped answering blocks the heartbeat's call: leave
  // the thread behind rather than hang the exit.
  const bool done = beat->wake.wait_for(lock, 4 * Heartbeat::period, [&] { return beat->done; });
  lock.unlock();
  if (done) {
    impl_->beat_thread.join();
  } else {
    impl_->beat_thread.detach();
  }
}

template <typename Op>
void Communicator::run(const char* name, int64_t sent, int64_t received, Op&& op) {
  try {
    op();
  } catch (const std::exception& e) {
    const std::optional<std::vector<int64_t>> silent = impl_->silent_ranks(rank_, size_);
    std::string missing;
    if (silent) {
      for (int64_t r : *silent) missing += (missing.empty() ? "" : ", ") + std::to_string(r);
      alive_after_failure_ = size_ - static_cast<int64_t>(silent->size());
    } else if (rank_ != 0) {
      missing = "0 (the host of the rendezvous store)";
    }
    throw DistributedError("rank " + std::to_string(rank_) + " of " + std::to_string(size_) + ": " + name +
                           " failed (" + reason(e) + ")" +
                           (missing.empty() ? "" : "; not responding: rank " + missing));
  }
  Traffic& t = traffic_[name];
  ++t.calls;
  t.bytes_sent += sent;
  t.bytes_received += received;
}

namespace {

void check_cpu(const at::Tensor& t, const char* what) {
  TORCH_CHECK(t.defined() && t.device().is_cpu() && t.is_contiguous(), "Communicator::", what,
              ": expected a contiguous CPU tensor, got ", t.defined() ? t.toString() : "undefined");
}

int64_t nbytes(const at::Tensor& t) { return t.numel() * static_cast<int64_t>(t.element_size()); }

}  // namespace

void Communicator::all_reduce(at::Tensor& t, bool max, const char* caller) {
  check_cpu(t, caller);
  std::vector<at::Tensor> tensors{t};
  c10d::AllreduceOptions options;
  options.reduceOp = max ? c10d::ReduceOp::MAX : c10d::ReduceOp::SUM;
  run("all_reduce", nbytes(t), nbytes(t), [&] { impl_->group->allreduce(tensors, options)->wait(); });
}

void Communicator::all_reduce_sum(at::Tensor& t) { all_reduce(t, /*max=*/false, "all_reduce_sum"); }

void Communicator::all_reduce_max(at::Tensor& t) { all_reduce(t, /*max=*/true, "all_reduce_max"); }

void Communicator::broadcast(at::Tensor& t, int64_t root) {
  check_cpu(t, "broadcast");
  TORCH_CHECK(root >= 0 && root < size_, "Communicator::broadcast: root ", root, " outside ", size_, " ranks");
  std::vector<at::Tensor> tensors{t};
  c10d::BroadcastOptions options;
  options.rootRank = root;
  const int64_t sent = rank_ == root ? nbytes(t) * (size_ - 1) : 0;
  run("broadcast", sent, rank_ == root ? 0 : nbytes(t), [&] { impl_->group->broadcast(tensors, options)->wait(); });
}

at::Tensor PendingAllToAll::wait() {
  TORCH_CHECK(pending(), "PendingAllToAll::wait: nothing in flight");
  std::function<void()> wait = std::move(wait_);
  wait_ = nullptr;
  wait();
  return std::move(out_);
}

at::Tensor Communicator::all_to_all(const at::Tensor& send, const std::vector<int64_t>& send_counts,
                                    const std::vector<int64_t>& recv_counts) {
  return start_all_to_all(send, send_counts, recv_counts).wait();
}

PendingAllToAll Communicator::start_all_to_all(const at::Tensor& send, const std::vector<int64_t>& send_counts,
                                               const std::vector<int64_t>& recv_counts) {
  check_cpu(send, "all_to_all");
  TORCH_CHECK(send.dim() >= 1, "Communicator::all_to_all: expected rows, got a scalar");
  TORCH_CHECK(static_cast<int64_t>(send_counts.size()) == size_ && static_cast<int64_t>(recv_counts.size()) == size_,
              "Communicator::all_to_all: ", send_counts.size(), " send and ", recv_counts.size(),
              " receive counts for ", size_, " ranks");
  int64_t rows_out = 0, rows_in = 0;
  for (int64_t r = 0; r < size_; ++r) {
    TORCH_CHECK(send_counts[r] >= 0 && recv_counts[r] >= 0, "Communicator::all_to_all: negative count for rank ", r);
    rows_out += send_counts[r];
    rows_in += recv_counts[r];
  }
  TORCH_CHECK(rows_out == send.size(0), "Communicator::all_to_all: send counts add up to ", rows_out, " rows, ",
              "the tensor has ", send.size(0));
  std::vector<int64_t> out_shape = send.sizes().vec();
  out_shape[0] = rows_in;
  at::Tensor out = at::empty(out_shape, send.options());
  int64_t row_bytes = static_cast<int64_t>(send.element_size());
  for (int64_t d = 1; d < send.dim(); ++d) row_bytes *= send.size(d);
  const int64_t self_rows = send_counts[rank_];
  // An all-to-all only copies: bfloat16 rows, which Gloo refuses, travel
  // reinterpreted as half (same size).
  const bool bf16 = send.scalar_type() == at::kBFloat16;
  at::Tensor in_view = bf16 ? send.view(at::kHalf) : send;
  at::Tensor out_view = bf16 ? out.view(at::kHalf) : out;
  // Gloo takes its split vectors by value and moves them: pass copies.
  std::vector<int64_t> out_splits = recv_counts, in_splits = send_counts;
  PendingAllToAll pending;
  pending.out_ = out;
  const int64_t sent = (rows_out - self_rows) * row_bytes, received = (rows_in - recv_counts[rank_]) * row_bytes;
  auto work = impl_->group->alltoall_base(out_view, in_view, out_splits, in_splits);
  // The work holds the tensors' storage until it completes; the wait counts
  // the traffic and names a missing rank as every collective does.
  pending.wait_ = [this, work, in_view, out_view, sent, received]() mutable {
    run("all_to_all", sent, received, [&] { work->wait(); });
  };
  return pending;
}

at::Tensor Communicator::all_gather(const at::Tensor& t) {
  check_cpu(t, "all_gather");
  std::vector<at::Tensor> parts;
  for (int64_t r = 0; r < size_; ++r) parts.push_back(at::empty_like(t));
  std::vector<std::vector<at::Tensor>> outputs{parts};
  std::vector<at::Tensor> inputs{t};
  run("all_gather", nbytes(t) * (size_ - 1), nbytes(t) * (size_ - 1),
      [&] { impl_->group->allgather(outputs, inputs)->wait(); });
  return at::cat(outputs[0], 0);
}

at::Tensor Communicator::gather(const at::Tensor& rows, int64_t root) {
  TORCH_CHECK(root >= 0 && root < size_, "Communicator::gather: root ", root, " outside ", size_, " ranks");
  TORCH_CHECK(rows.dim() >= 1, "Communicator::gather: expected rows, got a scalar");
  const at::Tensor counts = all_gather(at::full({1}, rows.size(0), at::kLong));
  std::vector<int64_t> send(static_cast<size_t>(size_), 0), recv(static_cast<size_t>(size_), 0);
  send[static_cast<size_t>(root)] = rows.size(0);
  if (rank_ == root)
    for (int64_t r = 0; r < size_; ++r) recv[static_cast<size_t>(r)] = counts[r].item<int64_t>();
  return all_to_all(rows.contiguous(), send, recv);
}

void Communicator::barrier() {
  run("barrier", 0, 0, [&] { impl_->group->barrier()->wait(); });
}

}  // namespace dist
}  // namespace gas
