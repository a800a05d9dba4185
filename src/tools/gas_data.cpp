// gas_data: loads a dataset from its raw files and prints what it holds;
// the way to check a download before a benchmark reads it.
//
//   gas_data info dataset=ogbn-arxiv root=data
//   gas_data info dataset=custom root=my_graph data.symmetrize=true

#include <gas/cli.h>
#include <gas/config.h>
#include <gas/datasets/dataset.h>

#include "util/strings.h"
#include "util/system.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <boost/program_options.hpp>

#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

namespace po = boost::program_options;

namespace {

int64_t count(const at::Tensor& mask) { return mask.sum().item<int64_t>(); }

void print_info(const gas::Dataset& d, double seconds, std::ostream& out) {
  out << std::fixed << std::setprecision(1);
  out << "dataset    " << d.name << "\n"
      << "nodes      " << d.num_nodes() << "\n"
      << "edges      " << d.adj.nnz() << " directed entries (avg degree "
      << static_cast<double>(d.adj.nnz()) / std::max<int64_t>(1, d.num_nodes()) << ")"
      << (d.adj.has_value() ? ", weighted" : "") << "\n"
      << "features   " << d.num_features() << "\n"
      << "classes    " << d.num_classes << " (" << (d.multilabel() ? "multi" : "single") << "-label)\n"
      << "inductive  " << (d.inductive ? "yes" : "no") << "\n";
  const int64_t splits = d.num_splits();
  if (splits == 1) {
    out << "split      train " << count(d.mask(gas::Split::Train)) << ", val " << count(d.mask(gas::Split::Val))
        << ", test " << count(d.mask(gas::Split::Test)) << "\n";
  } else {
    out << "splits     " << splits << " (run r uses split r % " << splits << ")\n";
    for (int64_t s = 0; s < splits; ++s)
      out << "  split " << std::setw(2) << s << "  train " << count(d.mask(gas::Split::Train, s)) << ", val "
          << count(d.mask(gas::Split::Val, s)) << ", test " << count(d.mask(gas::Split::Test, s)) << "\n";
  }
  out << std::setprecision(2) << "load time  " << seconds << " s\n"
      << std::setprecision(1) << "memory     tensors " << d.nbytes() / (1024.0 * 1024.0) << " MiB, peak RSS "
      << gas::util::peak_rss_mb() << " MiB\n";
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description options("Options");
  options.add_options()("help,h", "show this help and exit")("version", "show the build's versions and exit");
  po::options_description hidden;
  hidden.add_options()("command", po::value<std::string>())("arguments",
                                                            po::value<std::vector<std::string>>()->multitoken());
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("command", 1).add("arguments", -1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "gas_data: " << e.what() << " (see --help)\n";
    return 2;
  }
  if (vm.count("version")) {
    std::cout << gas::build_summary();
    return 0;
  }
  if (vm.count("help") || !vm.count("command")) {
    (vm.count("help") ? std::cout : std::cerr)
        << "Usage: gas_data info dataset=NAME [root=DIR] [data.KEY=VALUE ...]\n\n"
           "Loads a dataset from its raw files under DIR (PyG's layout, e.g. DIR/Planetoid/Cora/raw)\n"
           "and prints its nodes, edges, features, classes, splits, load time and memory.\n\n"
           "Keys:\n"
           "  dataset=NAME      one of: "
        << gas::util::join(gas::dataset_names())
        << "\n"
           "  root=DIR          dataset root (default data)\n"
           "  data.KEY=VALUE    a dataset option, e.g. data.symmetrize=true (custom),\n"
           "                    data.num_nodes=100000 (synthetic)\n\n"
        << options << "\n";
    return vm.count("help") ? 0 : 2;
  }

  try {
    const std::string command = vm["command"].as<std::string>();
    if (command != "info") throw gas::ConfigError("unknown command '" + command + "' (known: info)");
    std::string dataset, root = "data";
    gas::ConfigNode data_options;
    const std::vector<std::string> arguments =
        vm.count("arguments") ? vm["arguments"].as<std::vector<std::string>>() : std::vector<std::string>{};
    for (const std::string& argument : arguments) {
      const auto [key, value] = gas::parse_override(argument);
      if (key == "dataset") {
        dataset = value;
      } else if (key == "root") {
        root = value;
      } else if (key.rfind("data.", 0) == 0 && key.size() > 5) {
        data_options.set(key.substr(5), value, "command line");
      } else {
        throw gas::ConfigError("unknown argument '" + argument + "' (known: dataset, root, data.KEY)");
      }
    }
    if (dataset.empty()) throw gas::ConfigError("dataset: required (dataset=NAME)");
    const gas::DatasetLoader load = gas::dataset_from_config(dataset, data_options);
    data_options.check_unknown();
    const double start = gas::util::now_seconds();
    const gas::Dataset data = load(root);
    print_info(data, gas::util::now_seconds() - start, std::cout);
  } catch (const gas::ConfigError& e) {
    std::cerr << "gas_data: configuration error: " << e.what() << "\n";
    return 2;
  } catch (const c10::Error& e) {
    std::cerr << "gas_data: error: " << e.what_without_backtrace() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "gas_data: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
