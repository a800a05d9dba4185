#pragma once
/// \file
/// The benchmark runner behind small_benchmark (and large_benchmark): a
/// configuration in, trained models and a results summary out. The
/// executables only parse their command line; tests call this directly.

#include <gas/config.h>
#include <gas/macros.h>
#include <gas/trainer.h>

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace gas {

/// Composes the configuration of one benchmark run, Hydra-style:
///  1. the model file `config_file`, or <config_dir>/<suite>/<model>.yaml
///     where the model comes from a `model=` override (default gcn);
///  2. top-level `key=value` overrides (the top-level rows of run_keys(),
///     run_options.h);
///  3. `params.<key>=value` overrides, applied inside the block of the
///     chosen dataset (params.<dataset>.<key>); other datasets' blocks are
///     dropped.
/// Throws ConfigError naming the offending argument, key or file.
GAS_API ConfigNode compose_config(const std::string& suite, const std::string& config_dir, const std::string& config_file,
                          const std::vector<std::string>& overrides);

struct GAS_API ExperimentResult {
  std::vector<RunResult> runs;
  double mean = 0.0;   ///< mean test metric over runs, percent
  double std = 0.0;    ///< sample standard deviation over runs, percent (0 for one run)
  std::string metric;  ///< "accuracy" or "micro-F1"
  double total_seconds = 0.0;
  double median_epoch_seconds = 0.0;  ///< training + evaluation
  double peak_rss_mb = 0.0;        ///< whole process: loading, partitioning, training
  double train_peak_rss_mb = 0.0;  ///< from the end of set-up on (training and evaluation only)
  double device_peak_mb = -1.0;    ///< peak allocated on the compute device in training (CUDA), else -1
  int interrupted_by = 0;  ///< the signal (SIGINT, SIGTERM) that stopped the run early, else 0
  /// The process's exit status for this result: 0, or 128 + the signal.
  int exit_status() const { return interrupted_by == 0 ? 0 : 128 + interrupted_by; }
};

/// Reads and validates every key of `config` without running anything
/// (RunOptions::from_config); throws ConfigError naming the first problem.
GAS_API void check_experiment_config(const ConfigNode& config);

/// The run, in four steps: parse (RunOptions::from_config validates every
/// key of `config`, from compose_config), prepare (load the data, partition
/// it, build the model and the loader), fit (a Trainer over the runs, its
/// hooks reporting progress and writing the exports) and summarise (means,
/// times, memory). Prints the resolved configuration, progress and the
/// summary to `out`; with `json` or `out_dir` set, also writes the results
/// there (atomically).
GAS_API ExperimentResult run_experiment(const ConfigNode& config, std::ostream& out);

}  // namespace gas
