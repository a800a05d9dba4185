// The collectives, with ranks as threads of this process on the loopback
// interface: each result against what the ranks put in, the traffic
// counters against the payloads, and a peer that never arrives.
#include <gas/distributed/communicator.h>

#include "common/distributed/ranks.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

namespace gas {
namespace {

using testing::run_ranks;

TEST(Communicator, ReducesBroadcastsAndGathersAcrossRanks) {
  for (const int64_t k : {1, 3}) {
    run_ranks(k, [k](dist::Communicator& comm) {
      const auto r = static_cast<double>(comm.rank());
      at::Tensor sum = at::full({4}, r + 1, at::kDouble);
      comm.all_reduce_sum(sum);
      EXPECT_TRUE(sum.equal(at::full({4}, k * (k + 1) / 2.0, at::kDouble)));
      at::Tensor max = at::tensor({r, -r}, at::kFloat);
      comm.all_reduce_max(max);
      EXPECT_TRUE(max.equal(at::tensor({k - 1.0, 0.0}, at::kFloat)));
      at::Tensor b = at::full({2, 3}, r, at::kLong);
      comm.broadcast(b, k - 1);
      EXPECT_TRUE(b.equal(at::full({2, 3}, k - 1, at::kLong)));
      const at::Tensor gathered = comm.all_gather(at::full({1, 2}, r, at::kFloat));
      EXPECT_TRUE(gathered.equal(at::arange(k, at::kFloat).unsqueeze(1).expand({k, 2})));
      comm.barrier();
      EXPECT_EQ(comm.traffic().at("all_reduce").calls, 2);
      EXPECT_EQ(comm.traffic().at("all_reduce").bytes_sent, 4 * 8 + 2 * 4);
      EXPECT_EQ(comm.traffic().at("broadcast").bytes_sent, comm.rank() == k - 1 ? (k - 1) * 6 * 8 : 0);
      EXPECT_EQ(comm.traffic().at("all_gather").bytes_received, (k - 1) * 2 * 4);
    });
  }
}

TEST(Communicator, AllToAllMovesUnevenRowsOfAnyDtype) {
  // Rank r sends (r + s) % 3 rows to rank s (none at all for some pairs),
  // each row [r, s, i]; bfloat16 travels reinterpreted.
  const int64_t k = 3;
  for (const auto dtype : {at::kFloat, at::kLong, at::kHalf, at::kBFloat16}) {
    run_ranks(k, [&](dist::Communicator& comm) {
      const int64_t r = comm.rank();
      std::vector<int64_t> send_counts, recv_counts;
      std::vector<at::Tensor> rows;
      for (int64_t s = 0; s < k; ++s) {
        send_counts.push_back((r + s) % 3);
        recv_counts.push_back((s + r) % 3);
        for (int64_t i = 0; i < send_counts.back(); ++i) rows.push_back(at::tensor({r, s, i}, at::kLong).to(dtype));
      }
      const at::Tensor send = rows.empty() ? at::empty({0, 3}, dtype) : at::stack(rows);
      const at::Tensor got = comm.all_to_all(send, send_counts, recv_counts);
      std::vector<at::Tensor> expected;
      for (int64_t s = 0; s < k; ++s)
        for (int64_t i = 0; i < recv_counts[s]; ++i) expected.push_back(at::tensor({s, r, i}, at::kLong).to(dtype));
      ASSERT_EQ(got.scalar_type(), dtype);
      EXPECT_TRUE(got.equal(at::stack(expected))) << "rank " << r << " got " << got;
      const int64_t row_bytes = 3 * static_cast<int64_t>(at::elementSize(dtype));
      EXPECT_EQ(comm.traffic().at("all_to_all").bytes_sent, (send.size(0) - send_counts[r]) * row_bytes);
      EXPECT_EQ(comm.traffic().at("all_to_all").bytes_received, (got.size(0) - recv_counts[r]) * row_bytes);
    });
  }
}

TEST(Communicator, MismatchedCountsAreRefusedBeforeAnyCollective) {
  run_ranks(1, [](dist::Communicator& comm) {
    EXPECT_THROW(comm.all_to_all(at::zeros({3, 2}), {2}, {2}), c10::Error);
    EXPECT_THROW(comm.all_to_all(at::zeros({3, 2}), {3, 0}, {3}), c10::Error);
    at::Tensor strided = at::zeros({4, 4}).t();
    EXPECT_THROW(comm.all_reduce_sum(strided), c10::Error);
  });
}

TEST(Communicator, APeerThatNeverCallsMakesTheOthersFailWithinTheTimeout) {
  // Long enough to join on a loaded machine (the timeout covers the
  // rendezvous too), short enough for a test.
  const auto timeout = std::chrono::milliseconds(5000);
  std::string error;
  double seconds = 0;
  std::atomic<bool> done{false};
  run_ranks(
      2,
      [&](dist::Communicator& comm) {
        if (comm.rank() == 1) {  // alive (its heartbeat beats) but absent from the collective
          while (!done.load()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
          return;
        }
        const auto start = std::chrono::steady_clock::now();
        at::Tensor t = at::ones({1});
        try {
          comm.all_reduce_sum(t);
        } catch (const dist::DistributedError& e) {
          error = e.what();
        }
        seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        done = true;
      },
      timeout);
  EXPECT_NE(error.find("rank 0 of 2: all_reduce failed"), std::string::npos) << error;
  // The timeout, then the heartbeats read over 1.5 s.
  EXPECT_LT(seconds, timeout.count() / 1000.0 + 3.0) << error;
}

TEST(LaunchInfo, ReadsTorchrunsEnvironmentAndNamesABadValue) {
  setenv("WORLD_SIZE", "4", 1);
  setenv("RANK", "2", 1);
  setenv("MASTER_ADDR", "10.0.0.7", 1);
  setenv("MASTER_PORT", "1234", 1);
  unsetenv("LOCAL_RANK");
  const dist::LaunchInfo info = dist::LaunchInfo::from_environment();
  EXPECT_EQ(info.world_size, 4);
  EXPECT_EQ(info.rank, 2);
  EXPECT_EQ(info.local_rank, 2);
  EXPECT_EQ(info.master_addr, "10.0.0.7");
  EXPECT_EQ(info.master_port, 1234);
  setenv("RANK", "4", 1);
  try {
    dist::LaunchInfo::from_environment();
    ADD_FAILURE() << "RANK=4 of 4 accepted";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what()).find("RANK='4'"), std::string::npos) << e.what();
  }
  for (const char* v : {"WORLD_SIZE", "RANK", "MASTER_ADDR", "MASTER_PORT"}) unsetenv(v);
  EXPECT_EQ(dist::LaunchInfo::from_environment().world_size, 1);
}

}  // namespace
}  // namespace gas
