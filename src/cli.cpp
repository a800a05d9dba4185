#include <gas/cli.h>

#include <gas/build_info.h>
#include <gas/config.h>
#include <gas/experiment.h>
#include <gas/partition.h>
#include <gas/process.h>
#include <gas/run_options.h>

#include "ops/cpu/isa.h"
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
      << "  CPU kernels: " << ops::cpu::to_string(ops::cpu::cpu_isa()) << " (the widest of avx512, avx2, baseline this CPU runs)\n"
      << "  METIS: " << (has_metis() ? "yes" : "no (random partitioning only)") << "\n"
      << "  huge pages: " << (malloc_uses_huge_pages() ? "yes" : "no") << " (kernel mode: "
      << (transparent_huge_pages().empty() ? "unknown" : transparent_huge_pages()) << ")\n"
      << "  cores: " << std::thread::hardware_concurrency() << " (the benchmarks use one intra-op thread per core)\n"
      << "  compiler: " << __VERSION__ << "\n";
  return out.str();
}

int run_cli(const CliProgram& program, int argc, char** argv) {
  po::options_description options("Options");
  options.add_options()("help,h", "show this help and exit")("version", "show the build's versions and exit");
  for (const CliProgram::Option& o : program.options) {
    if (o.value_name.empty()) {
      options.add_options()(o.name.c_str(), o.help.c_str());
    } else {
      options.add_options()(o.name.c_str(), po::value<std::string>()->value_name(o.value_name), o.help.c_str());
    }
  }
  po::options_description hidden;
  hidden.add_options()("positional", po::value<std::vector<std::string>>()->multitoken());
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("positional", -1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << program.name << ": " << e.what() << " (see --help)\n";
    return 2;
  }
  if (vm.count("version")) {
    std::cout << build_summary();
    return 0;
  }
  CliArgs args;
  if (vm.count("positional")) args.positional = vm["positional"].as<std::vector<std::string>>();
  if (vm.count("help") || (program.needs_arguments && args.positional.empty())) {
    (vm.count("help") ? std::cout : std::cerr) << program.usage << "\n" << options << "\n";
    return vm.count("help") ? 0 : 2;
  }
  for (const CliProgram::Option& o : program.options)
    if (vm.count(o.name)) args.values[o.name] = o.value_name.empty() ? "" : vm[o.name].as<std::string>();

  try {
    program.body(args);
  } catch (const ConfigError& e) {
    std::cerr << program.name << ": configuration error: " << e.what() << "\n";
    return 2;
  } catch (const c10::Error& e) {
    std::cerr << program.name << ": error: " << e.what_without_backtrace() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << program.name << ": error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

int benchmark_main(const std::string& suite, int argc, char** argv) {
  tune_process(argv);
  CliProgram program;
  program.name = suite + "_benchmark";
  program.usage = "Usage: " + program.name +
                  " [options] [key=value ...]\n\n"
                  "Trains a GAS model on a " +
                  suite +
                  " benchmark graph and reports the mean test metric\n"
                  "over runs (the last line reads 'Mini Acc: MEAN \u00b1 STD'). The model file is\n"
                  "configs/" +
                  suite +
                  "/<model>.yaml; a key of the dataset's block is set as params.KEY=VALUE\n"
                  "(e.g. params.lr=0.005, params.architecture.hidden_channels=64).\n\n" +
                  key_help();
  program.options = {
      {"config", "FILE", "model configuration file to use instead of <config-dir>/" + suite + "/<model>.yaml"},
      {"config-dir", "DIR",
       "directory of the shipped configs (default: $GAS_CONFIG_DIR, the installed or the source tree's configs)"},
      {"keys", "", "print the table of keys in Markdown (the README's) and exit"}};
  int status = 0;  // 130 or 143 when a signal stopped the run
  program.body = [&suite, &status](const CliArgs& args) {
    if (args.has("keys")) {
      std::cout << key_table_markdown();
      return;
    }
    const ConfigNode config =
        compose_config(suite, args.get("config-dir", default_config_dir()), args.get("config"), args.positional);
    status = run_experiment(config, std::cout).exit_status();
  };
  const int code = run_cli(program, argc, argv);
  return code != 0 ? code : status;
}

}  // namespace gas
