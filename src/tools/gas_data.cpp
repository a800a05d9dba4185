// gas_data: loads a dataset from its raw files and prints what it holds;
// the way to check a download before a benchmark reads it.
//
//   gas_data info dataset=ogbn-arxiv root=data
//   gas_data info dataset=custom root=my_graph data.symmetrize=true
//   gas_data checkpoint runs/ckpt/checkpoint.gas

#include <gas/checkpoint.h>
#include <gas/cli.h>
#include <gas/config.h>
#include <gas/datasets/registry.h>
#include <gas/datasets/synthetic.h>

#include "util/strings.h"
#include "util/system.h"

#include <ATen/ATen.h>

#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

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

void info(const std::vector<std::string>& arguments) {
  std::string dataset, root = "data";
  gas::ConfigNode data_options;
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
}

// Every record of a checkpoint: name, type, shape, bytes and checksum, so
// that two checkpoints can be compared record by record (diff).
void checkpoint(const std::vector<std::string>& arguments) {
  if (arguments.size() != 1) throw gas::ConfigError("checkpoint: expected one FILE, got " + std::to_string(arguments.size()));
  const gas::CheckpointReader reader(arguments.front());
  for (const std::string& name : reader.names()) {
    std::string shape;
    for (int64_t d : reader.shape(name)) shape += (shape.empty() ? "" : "x") + std::to_string(d);
    std::cout << name << "  " << reader.type(name) << (shape.empty() ? "" : " [" + shape + "]") << "  "
              << reader.nbytes(name) << " bytes  " << std::hex << std::setw(16) << std::setfill('0')
              << reader.checksum(name) << std::dec << std::setfill(' ') << "\n";
  }
}

// A synthetic graph written to disk chunk by chunk (write_synthetic): the
// way to get a graph larger than memory.
void generate(const std::vector<std::string>& arguments) {
  std::string out;
  gas::ConfigNode options;
  options.set("kind", "line", "default");
  for (const std::string& argument : arguments) {
    const auto [key, value] = gas::parse_override(argument);
    if (key == "out") {
      out = value;
    } else {
      options.set(key, value, "command line");
    }
  }
  if (out.empty()) throw gas::ConfigError("generate: out=DIR is required");
  const gas::SyntheticOptions o = gas::synthetic_options_from(options);
  options.check_unknown();
  const double bytes = static_cast<double>(o.num_nodes()) * (o.num_features() * 4 + 8 + 3) +
                       static_cast<double>(o.num_nodes()) * o.avg_degree() * 16;
  std::cout << "Writing a " << o.kind() << " graph of " << o.num_nodes() << " nodes, " << o.num_features()
            << " features, " << o.num_classes() << " classes, average degree " << o.avg_degree() << " to " << out
            << " (about " << std::fixed << std::setprecision(1) << bytes / 1e9 << " GB)" << std::endl;
  const double start = gas::util::now_seconds();
  int64_t next_report = 0;
  gas::write_synthetic(o, out, [&](int64_t done) {
    if (done < next_report && done < o.num_nodes()) return;
    next_report = done + o.num_nodes() / 20;
    std::cout << "  " << std::setw(5) << std::setprecision(1) << 100.0 * done / o.num_nodes() << "%  " << done
              << " nodes  " << std::setprecision(1) << gas::util::now_seconds() - start << " s" << std::endl;
  });
  std::cout << "Done in " << std::setprecision(1) << gas::util::now_seconds() - start << " s: " << out
            << " (train with dataset=custom root=" << out << " params.partition=range)" << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  gas::CliProgram program;
  program.name = "gas_data";
  program.usage =
      "Usage: gas_data info dataset=NAME [root=DIR] [data.KEY=VALUE ...]\n"
      "       gas_data checkpoint FILE\n"
      "       gas_data generate out=DIR [num_nodes=N num_features=F num_classes=C avg_degree=D ...]\n\n"
      "checkpoint: verifies a checkpoint (checkpoint_dir=) and lists its records with their checksums.\n"
      "generate: writes the synthetic line graph (kind=line; the synthetic dataset's keys) to DIR in the\n"
      "custom format, streaming, so it may be larger than memory.\n\n"
      "Loads a dataset from its raw files under DIR (PyG's layout, e.g. DIR/Planetoid/Cora/raw)\n"
      "and prints its nodes, edges, features, classes, splits, load time and memory.\n\n"
      "Keys:\n"
      "  dataset=NAME      one of: " +
      gas::util::join(gas::dataset_names()) +
      "\n"
      "  root=DIR          dataset root (default data)\n"
      "  data.KEY=VALUE    a dataset option, e.g. data.symmetrize=true (custom),\n"
      "                    data.num_nodes=100000 (synthetic)\n";
  program.needs_arguments = true;
  program.body = [](const gas::CliArgs& args) {
    const std::string& command = args.positional.front();
    const std::vector<std::string> rest(args.positional.begin() + 1, args.positional.end());
    if (command == "info") {
      info(rest);
    } else if (command == "checkpoint") {
      checkpoint(rest);
    } else if (command == "generate") {
      generate(rest);
    } else {
      throw gas::ConfigError("unknown command '" + command + "' (known: info, checkpoint, generate)");
    }
  };
  return gas::run_cli(program, argc, argv);
}
