#pragma once
/// \file
/// The command line of gas's programs: the benchmarks and gas_data share one
/// scaffold (run_cli) for parsing, --help, --version and exit codes.

#include <gas/macros.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace gas {

/// What this build of gas runs with: its version, LibTorch's version and
/// CUDA devices, METIS, the intra-op threads, the compiler. Printed by
/// `--version`, and the first thing to include in a bug report.
GAS_API std::string build_summary();

/// The parsed command line handed to a program's body.
struct GAS_API CliArgs {
  std::vector<std::string> positional;        ///< e.g. key=value overrides
  std::map<std::string, std::string> values;  ///< the options given, by name ("" for a flag)
  bool has(const std::string& name) const { return values.count(name) > 0; }
  /// The value of option `name`, or `fallback` when it was not given.
  std::string get(const std::string& name, const std::string& fallback = "") const {
    const auto it = values.find(name);
    return it == values.end() ? fallback : it->second;
  }
};

/// A program: its name, the text --help shows above the options, its own
/// options besides --help and --version, and its body.
struct GAS_API CliProgram {
  struct Option {
    std::string name;
    std::string value_name;  ///< empty for a flag
    std::string help;
  };
  std::string name;
  std::string usage;
  std::vector<Option> options;
  /// Without any positional argument, print the help to stderr and exit 2.
  bool needs_arguments = false;
  std::function<void(const CliArgs&)> body;
};

/// Parses argv, answers --help and --version, runs the body and returns the
/// process exit code: 0 on success, 2 for a usage or configuration error
/// (ConfigError), 1 for any other failure. Every error is one line on
/// stderr, prefixed with the program's name.
GAS_API int run_cli(const CliProgram& program, int argc, char** argv);

/// The benchmarks' main: `--config FILE`, `--config-dir DIR`, `--keys` and
/// Hydra-style `key=value` overrides compose the configuration of `suite`
/// ("small" or "large"), which runs as one experiment (run_cli's exit codes).
GAS_API int benchmark_main(const std::string& suite, int argc, char** argv);

}  // namespace gas
