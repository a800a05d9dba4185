#include <gas/cli.h>

#include <gas/build_info.h>
#include <gas/config.h>
#include <gas/experiment.h>
#include <gas/partition.h>
#include <gas/process.h>
#include <gas/run_options.h>

#include "util/system.h"

#include <c10/util/Exception.h>
#include <torch/cuda.h>
#include <torch/version.h>
#include <boost/program_options.hpp>

#include <iostream>
#include <sstream>
#include <thread>
#include <vector>

namespace gas {

namespace po = boost::program_options;

std::string build_summary() {
  const std::string kernels = openblas_core();
  std::ostringstream out;
  out << "gas " << GAS_VERSION << "\n"
      << "  LibTorch " << TORCH_VERSION << ", CUDA devices: " << torch::cuda::device_count() << "\n"
      << "  BLAS: " << loaded_blas() << (kernels.empty() ? "" : " (OpenBLAS kernels: " + kernels + ")") << "\n"
      << "  METIS: " << (has_metis() ? "yes" : "no (random partitioning only)") << "\n"
      << "  huge pages: " << (malloc_uses_huge_pages() ? "yes" : "no") << " (kernel mode: "
      << (transparent_huge_pages().empty() ? "unknown" : transparent_huge_pages()) << ")\n"
      << "  cores: " << std::thread::hardware_concurrency() << " (the benchmarks use one intra-op thread per core)\n"
      << "  compiler: " << __VERSION__ << "\n";
  return out.str();
}

int benchmark_main(const std::string& suite, int argc, char** argv) {
  tune_process(argv);
  const std::string program = suite + "_benchmark";
  po::options_description options("Options");
  options.add_options()("help,h", "show this help and exit")("version", "show the build's versions and exit")(
      "config", po::value<std::string>()->value_name("FILE"),
      ("model configuration file to use instead of <config-dir>/" + suite + "/<model>.yaml").c_str())(
      "config-dir", po::value<std::string>()->value_name("DIR"),
      "directory of the shipped configs (default: $GAS_CONFIG_DIR, the installed or the source tree's configs)")(
      "keys", "print the table of keys in Markdown (the README's) and exit");
  po::options_description hidden;
  hidden.add_options()("overrides", po::value<std::vector<std::string>>()->multitoken());
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("overrides", -1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << program << ": " << e.what() << " (see --help)\n";
    return 2;
  }
  if (vm.count("version")) {
    std::cout << build_summary();
    return 0;
  }
  if (vm.count("keys")) {
    std::cout << key_table_markdown();
    return 0;
  }
  if (vm.count("help")) {
    std::cout << "Usage: " << program << " [options] [key=value ...]\n\n"
              << "Trains a GAS model on a " << suite
              << " benchmark graph and reports the mean test metric\n"
                 "over runs (the last line reads 'Mini Acc: MEAN \u00b1 STD'). The model file is\n"
                 "configs/"
              << suite
              << "/<model>.yaml; a key of the dataset's block is set as params.KEY=VALUE\n"
                 "(e.g. params.lr=0.005, params.architecture.hidden_channels=64).\n\n"
              << key_help() << "\n"
              << options << "\n";
    return 0;
  }

  try {
    const std::vector<std::string> overrides =
        vm.count("overrides") ? vm["overrides"].as<std::vector<std::string>>() : std::vector<std::string>{};
    const std::string config_dir = vm.count("config-dir") ? vm["config-dir"].as<std::string>() : default_config_dir();
    const std::string config_file = vm.count("config") ? vm["config"].as<std::string>() : "";
    const ConfigNode config = compose_config(suite, config_dir, config_file, overrides);
    run_experiment(config, std::cout);
  } catch (const ConfigError& e) {
    std::cerr << program << ": configuration error: " << e.what() << "\n";
    return 2;
  } catch (const c10::Error& e) {
    std::cerr << program << ": error: " << e.what_without_backtrace() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << program << ": error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace gas
