// gas_launch: starts the K processes of a data-parallel job on this machine,
// with the environment torchrun would give them, where PyTorch's launcher
// is not installed:
//
//   gas_launch -n 4 -- build/bin/small_benchmark model=gcn dataset=cora
//
// Each process gets RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE,
// MASTER_ADDR=127.0.0.1 and a free MASTER_PORT. The launcher waits for them
// all: when one fails, the others, left to themselves, fail within their
// dist_timeout (the job's own fault detection, which this does not hide),
// and are killed only if they outlive --grace seconds. SIGINT and SIGTERM
// are passed on to every process. Exits with the first failure's status
// (128 + signal for a process killed by one), 0 when all succeed.

#include "util/system.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

namespace {

volatile sig_atomic_t forwarded_signal = 0;
void on_signal(int sig) { forwarded_signal = sig; }

[[noreturn]] void usage(const std::string& problem) {
  std::cerr << "gas_launch: " << problem << "\n"
            << "usage: gas_launch -n K [--grace SECONDS] -- COMMAND [ARG ...]\n";
  std::exit(2);
}

int64_t parse_positive(const std::string& flag, const char* value) {
  if (value == nullptr) usage(flag + " needs a value");
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(value, &end, 10);
  if (errno != 0 || *end != '\0' || v < 1 || v > 4096)
    usage(flag + " '" + value + "': expected an integer in [1, 4096]");
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t processes = 0, grace = 300;
  int i = 1;
  for (; i < argc && std::string(argv[i]) != "--"; ++i) {
    const std::string flag = argv[i];
    if (flag == "-n" || flag == "--nproc") {
      processes = parse_positive(flag, i + 1 < argc ? argv[++i] : nullptr);
    } else if (flag == "--grace") {
      grace = parse_positive(flag, i + 1 < argc ? argv[++i] : nullptr);
    } else {
      usage("unknown option '" + flag + "'");
    }
  }
  if (processes == 0) usage("-n K is required");
  if (i + 1 >= argc) usage("no command after --");
  char** command = argv + i + 1;

  int port = 0;
  try {
    port = gas::util::free_loopback_port();
  } catch (const std::exception& e) {
    std::cerr << "gas_launch: " << e.what() << "\n";
    return 1;
  }
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  std::vector<pid_t> pids;
  for (int64_t rank = 0; rank < processes; ++rank) {
    const pid_t pid = fork();
    if (pid < 0) {
      std::cerr << "gas_launch: fork failed: " << std::strerror(errno) << "\n";
      for (pid_t p : pids) kill(p, SIGTERM);
      return 1;
    }
    if (pid == 0) {
      const std::string k = std::to_string(processes), r = std::to_string(rank);
      setenv("WORLD_SIZE", k.c_str(), 1);
      setenv("LOCAL_WORLD_SIZE", k.c_str(), 1);
      setenv("RANK", r.c_str(), 1);
      setenv("LOCAL_RANK", r.c_str(), 1);
      setenv("MASTER_ADDR", "127.0.0.1", 1);
      setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
      signal(SIGINT, SIG_DFL);
      signal(SIGTERM, SIG_DFL);
      execvp(command[0], command);
      std::cerr << "gas_launch: cannot run '" << command[0] << "': " << std::strerror(errno) << "\n";
      _exit(127);
    }
    pids.push_back(pid);
  }

  int status_out = 0;
  int64_t running = processes;
  bool failed = false, killed = false;
  auto deadline = std::chrono::steady_clock::time_point::max();
  while (running > 0) {
    if (forwarded_signal != 0) {
      for (pid_t p : pids)
        if (p > 0) kill(p, forwarded_signal);
      forwarded_signal = 0;
    }
    if (!killed && std::chrono::steady_clock::now() > deadline) {
      std::cerr << "gas_launch: " << running << " process(es) still running " << grace
                << " s after a failure: killing them\n";
      for (pid_t p : pids)
        if (p > 0) kill(p, SIGKILL);
      killed = true;
    }
    int status = 0;
    const pid_t done = waitpid(-1, &status, WNOHANG);
    if (done <= 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    int64_t rank = 0;
    while (rank < processes && pids[static_cast<size_t>(rank)] != done) ++rank;
    if (rank == processes) continue;
    pids[static_cast<size_t>(rank)] = -1;
    --running;
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (code != 0) {
      std::cerr << "gas_launch: rank " << rank << " of " << processes
                << (WIFEXITED(status) ? " exited with status " + std::to_string(code)
                                      : " was killed by signal " + std::to_string(WTERMSIG(status)))
                << "\n";
      if (!failed) {
        failed = true;
        status_out = code;
        deadline = std::chrono::steady_clock::now() + std::chrono::seconds(grace);
      }
    }
  }
  return status_out;
}
