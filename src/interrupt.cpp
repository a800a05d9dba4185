#include <gas/interrupt.h>

#include <c10/util/Exception.h>

namespace gas {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};
std::atomic<bool> g_installed{false};

extern "C" void on_stop_signal(int sig) {
  g_signal.store(sig);
  g_stop.store(true);
  // The next one is not caught: a user pressing Ctrl-C twice means now.
  std::signal(sig, SIG_DFL);
}

}  // namespace

StopOnSignal::StopOnSignal() {
  TORCH_CHECK(!g_installed.exchange(true), "StopOnSignal: one guard at a time");
  g_stop.store(false);
  g_signal.store(0);
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // reads and writes in progress carry on
  sigaction(SIGINT, &action, &previous_int_);
  sigaction(SIGTERM, &action, &previous_term_);
}

StopOnSignal::~StopOnSignal() {
  sigaction(SIGINT, &previous_int_, nullptr);
  sigaction(SIGTERM, &previous_term_, nullptr);
  g_installed.store(false);
}

const std::atomic<bool>* StopOnSignal::flag() const { return &g_stop; }

int StopOnSignal::signal() const { return g_signal.load(); }

}  // namespace gas
