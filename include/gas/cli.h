#pragma once
/// \file
/// The command line shared by small_benchmark and large_benchmark.

#include <string>

namespace gas {

/// What this build of gas runs with: its version, LibTorch's version and
/// CUDA devices, METIS, the intra-op threads, the compiler. Printed by
/// `--version`, and the first thing to include in a bug report.
std::string build_summary();

/// Parses `--help`, `--version`, `--config FILE`, `--config-dir DIR` and Hydra-style
/// `key=value` overrides, composes the configuration of `suite` ("small" or
/// "large"), runs the experiment and returns the process exit code: 0 on
/// success, 2 for a usage or configuration error, 1 for any other failure.
/// Every error is one line on stderr.
int benchmark_main(const std::string& suite, int argc, char** argv);

}  // namespace gas
