#pragma once
// Ranks as threads: a job of k Communicators on the loopback interface
// inside one test process (PyTorch's own c10d tests do the same).
#include <gas/distributed/communicator.h>

#include "util/system.h"

#include <c10/util/Exception.h>
#include <gtest/gtest.h>

#include <chrono>
#include <exception>
#include <string>
#include <thread>
#include <vector>

namespace gas {
namespace testing {

/// Runs body(comm) on k threads, one rank each; a rank's exception fails the
/// test, naming the rank.
template <typename Body>
void run_ranks(int64_t k, Body body, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  dist::LaunchInfo info;
  info.world_size = k;
  info.master_port = util::free_loopback_port();
  std::vector<std::string> errors(static_cast<size_t>(k));
  std::vector<std::thread> threads;
  for (int64_t r = 0; r < k; ++r) {
    threads.emplace_back([&, r, info]() mutable {
      info.rank = info.local_rank = r;
      try {
        dist::Communicator comm(info, timeout);
        body(comm);
      } catch (const c10::Error& e) {
        errors[static_cast<size_t>(r)] = e.what_without_backtrace();
      } catch (const std::exception& e) {
        errors[static_cast<size_t>(r)] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int64_t r = 0; r < k; ++r) EXPECT_EQ(errors[static_cast<size_t>(r)], "") << "rank " << r << " of " << k;
}

}  // namespace testing
}  // namespace gas
