#pragma once
/// \file
/// Stopping a run cleanly on SIGINT or SIGTERM: the handler only sets a flag;
/// the training loop reads it after every batch (TrainEpochOptions::stop),
/// finishes that batch, and the run writes its checkpoint and a summary
/// marked interrupted. A second signal ends the process at once.

#include <gas/macros.h>

#include <atomic>
#include <csignal>

namespace gas {

class GAS_API StopOnSignal {
 public:
  /// Installs the handlers (one guard at a time); the destructor restores
  /// the previous ones.
  StopOnSignal();
  ~StopOnSignal();
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;

  /// Set once a signal has arrived.
  const std::atomic<bool>* flag() const;
  /// The signal that arrived (SIGINT, SIGTERM), 0 for none.
  int signal() const;
  /// The exit status of a process stopped by that signal: 128 + signal.
  int exit_status() const { return signal() == 0 ? 0 : 128 + signal(); }

 private:
  struct sigaction previous_int_ {}, previous_term_ {};
};

}  // namespace gas
