// gas_data: loads a dataset from its raw files and prints what it holds;
// the way to check a download before a benchmark reads it.
//
//   gas_data info dataset=ogbn-arxiv root=data
//   gas_data info dataset=custom root=my_graph data.symmetrize=true
//   gas_data checkpoint runs/ckpt/checkpoint.gas

#include <gas/checkpoint.h>
#include <gas/cli.h>
#include <gas/config.h>
#include <gas/datasets/numpy_datasets.h>
#include <gas/datasets/registry.h>
#include <gas/datasets/shards.h>
#include <gas/datasets/synthetic.h>
#include <gas/distributed/shard.h>
#include <gas/partition.h>

#include "util/strings.h"
#include "util/system.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <algorithm>
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

// A dataset named on the command line (dataset=, root=, data.KEY=), loaded;
// the other keys are the command's own, returned in order.
struct DatasetArgs {
  std::string dataset, root = "data";
  gas::ConfigNode data_options;
  std::vector<std::pair<std::string, std::string>> rest;

  DatasetArgs(const std::vector<std::string>& arguments, const std::vector<std::string>& own_keys) {
    for (const std::string& argument : arguments) {
      const auto [key, value] = gas::parse_override(argument);
      if (key == "dataset") {
        dataset = value;
      } else if (key == "root") {
        root = value;
      } else if (key.rfind("data.", 0) == 0 && key.size() > 5) {
        data_options.set(key.substr(5), value, "command line");
      } else if (std::find(own_keys.begin(), own_keys.end(), key) != own_keys.end()) {
        rest.emplace_back(key, value);
      } else {
        std::vector<std::string> known = {"dataset", "root", "data.KEY"};
        known.insert(known.end(), own_keys.begin(), own_keys.end());
        throw gas::ConfigError("unknown argument '" + argument + "' (known: " + gas::util::join(known) + ")");
      }
    }
    if (dataset.empty()) throw gas::ConfigError("dataset: required (dataset=NAME)");
  }
  gas::Dataset load() {
    const gas::DatasetLoader loader = gas::dataset_from_config(dataset, data_options);
    data_options.check_unknown();
    return loader(root);
  }
};

void info(const std::vector<std::string>& arguments) {
  DatasetArgs args(arguments, {});
  const double start = gas::util::now_seconds();
  const gas::Dataset data = args.load();
  print_info(data, gas::util::now_seconds() - start, std::cout);
}

// Any dataset gas reads, written in the custom format: for other tools
// (PyG, in scripts/pyg_peers.py) to read the very graph gas trains on.
void write(const std::vector<std::string>& arguments) {
  DatasetArgs args(arguments, {"out"});
  if (args.rest.empty()) throw gas::ConfigError("write: out=DIR is required");
  const std::string out = args.rest.back().second;
  const double start = gas::util::now_seconds();
  const gas::Dataset data = args.load();
  std::cout << "Writing " << data.name << " (" << data.num_nodes() << " nodes, " << data.adj.nnz() << " entries) to "
            << out << "..." << std::flush;
  gas::write_custom(data, out);
  std::cout << " done in " << std::fixed << std::setprecision(1) << gas::util::now_seconds() - start
            << " s (read it with dataset=custom root=" << out << ")" << std::endl;
}

// What a data-parallel job of K processes would exchange, from the
// partition alone: for each K, the rank blocks' sizes and halos, and the
// bytes one halo refresh of `histories` float32 layers `width` wide moves.
void partition(const std::vector<std::string>& arguments) {
  DatasetArgs args(arguments, {"ranks", "method", "width", "histories", "seed", "json", "out", "parts", "transform"});
  std::vector<int64_t> ranks = {2, 4, 8};
  gas::PartitionMethod method = gas::has_metis() ? gas::PartitionMethod::Metis : gas::PartitionMethod::Random;
  int64_t width = 128, histories = 1, seed = 0, parts = 0;
  std::string json, out, transform = "gcn_norm";
  for (const auto& [key, value] : args.rest) {
    gas::ConfigNode one;
    one.set(key, value, "command line");
    if (key == "ranks") {
      ranks.clear();
      for (const std::string& k : gas::util::split(value, ',')) {
        gas::ConfigNode item;
        item.set("ranks", k, "command line");
        ranks.push_back(item.get_int_at_least("ranks", 0, 1));
      }
    } else if (key == "method") {
      method = gas::parse_partition_method(value);
    } else if (key == "width") {
      width = one.get_int_at_least("width", 0, 1);
    } else if (key == "histories") {
      histories = one.get_int_at_least("histories", 0, 1);
    } else if (key == "seed") {
      seed = one.get_int_at_least("seed", 0, 0);
    } else if (key == "parts") {
      parts = one.get_int_at_least("parts", 0, 1);
    } else if (key == "transform") {
      gas::check_adjacency_transform(value);
      transform = value;
    } else if (key == "out") {
      out = value;
    } else {
      json = value;
    }
  }
  if (out.empty())
    for (const auto& kv : args.rest)
      if (kv.first == "parts" || kv.first == "transform")
        throw gas::ConfigError(kv.first + ": applies to the shards that out=DIR writes; give out=DIR or drop it");
  if (!out.empty()) {
    // The shards of one job: every rank's nodes, halo and arrays, for shards=DIR.
    if (ranks.size() != 1) throw gas::ConfigError("out: writes the shards of one job; give one ranks=K");
    if (parts == 0)
      throw gas::ConfigError("out: needs parts=P, the GAS parts of the whole graph (the run's num_parts)");
    if (gas::util::is_directory(out) || gas::util::is_file(out))
      throw gas::ConfigError("out: '" + out + "' exists; remove it or choose another directory");
    const gas::Dataset data = args.load();
    std::cout << "Writing " << ranks[0] << " shards of " << data.name << " (" << data.num_nodes() << " nodes, " << parts
              << " parts, transform " << transform << ") to " << out << std::endl;
    const double start = gas::util::now_seconds();
    gas::write_shards(data, transform, ranks[0], parts, method, seed, out, [&](int64_t r) {
      std::cout << "  rank " << r << " written [" << std::fixed << std::setprecision(1)
                << gas::util::now_seconds() - start << " s]" << std::endl;
    });
    std::cout << "Done: run the job with gas_launch -n " << ranks[0] << " -- <benchmark> ... shards=" << out
              << std::endl;
    return;
  }
  const gas::Dataset data = args.load();
  const int64_t n = data.num_nodes();
  std::cout << data.name << ": " << n << " nodes, " << data.adj.nnz() << " directed edges; halo rows per rank for "
            << histories << " history layer(s) of width " << width << " (float32)\n"
            << "     K   cut %   own max   halo mean   halo max  halo/own   MB per refresh (all ranks)   seconds\n";
  nlohmann::json rows = nlohmann::json::array();
  for (const int64_t k : ranks) {
    if (k > n)
      throw gas::ConfigError("ranks: " + std::to_string(k) + " processes for a graph of " + std::to_string(n) +
                             " nodes");
    const double start = gas::util::now_seconds();
    const gas::Partition blocks = gas::partition_graph(data.adj, k, method, seed);
    const at::Tensor halo = gas::dist::halo_sizes(data.adj, blocks);
    const at::Tensor own = blocks.ptr.narrow(0, 1, k) - blocks.ptr.narrow(0, 0, k);
    const double seconds = gas::util::now_seconds() - start;
    const double cut = gas::edge_cut_percent(data.adj, blocks);
    const auto total = halo.sum().item<int64_t>();
    const double mb = static_cast<double>(total) * width * 4 * histories / 1e6;
    const double ratio = static_cast<double>(total) / static_cast<double>(n);
    std::cout << std::setw(6) << k << std::setw(8) << std::setprecision(2) << std::fixed << cut << std::setw(10)
              << own.max().item<int64_t>() << std::setw(12) << std::setprecision(0)
              << halo.to(at::kDouble).mean().item<double>() << std::setw(11) << halo.max().item<int64_t>()
              << std::setw(10) << std::setprecision(3) << ratio << std::setw(29) << std::setprecision(1) << mb
              << std::setw(10) << std::setprecision(1) << seconds << "\n";
    const auto list = [](const at::Tensor& t) {
      const at::Tensor c = t.contiguous();
      return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
    };
    rows.push_back({{"ranks", k},
                    {"cut_percent", cut},
                    {"own", list(own)},
                    {"halo", list(halo)},
                    {"refresh_bytes", static_cast<int64_t>(mb * 1e6)}});
  }
  if (!json.empty()) {
    const nlohmann::json j = {{"dataset", data.name},    {"nodes", n},
                              {"edges", data.adj.nnz()}, {"width", width},
                              {"histories", histories},  {"partitions", rows}};
    gas::util::write_file_atomic(json, j.dump(2) + "\n");
    std::cout << "Written to " << json << "\n";
  }
}

// Every record of a checkpoint: name, type, shape, bytes and checksum, so
// that two checkpoints can be compared record by record (diff).
void checkpoint(const std::vector<std::string>& arguments) {
  if (arguments.size() != 1)
    throw gas::ConfigError("checkpoint: expected one FILE, got " + std::to_string(arguments.size()));
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
      "       gas_data write dataset=NAME [root=DIR] [data.KEY=VALUE ...] out=DIR\n"
      "       gas_data generate out=DIR [num_nodes=N num_features=F num_classes=C avg_degree=D ...]\n"
      "       gas_data partition dataset=NAME [root=DIR] [ranks=K,K,...] [method=metis] [width=W] [histories=H]\n"
      "                          [json=FILE]\n"
      "       gas_data partition dataset=NAME [root=DIR] ranks=K parts=P out=DIR "
      "[transform=gcn_norm|self_loops|none]\n\n"
      "checkpoint: verifies a checkpoint (checkpoint_dir=) and lists its records with their checksums.\n"
      "write: writes the dataset in the custom format (edge_index.npy, x.npy, y.npy, masks) to DIR.\n"
      "generate: writes the synthetic line graph (kind=line; the synthetic dataset's keys) to DIR in the\n"
      "custom format, streaming, so it may be larger than memory.\n"
      "partition: for K processes (default 2,4,8), the rank blocks' sizes and halos and the bytes one halo\n"
      "refresh moves (H history layers W wide, float32): a data-parallel job's traffic, before running it;\n"
      "with out=DIR, writes the K shards of a job instead (run it with shards=DIR).\n\n"
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
    } else if (command == "write") {
      write(rest);
    } else if (command == "generate") {
      generate(rest);
    } else if (command == "partition") {
      partition(rest);
    } else {
      throw gas::ConfigError("unknown command '" + command + "' (known: info, checkpoint, write, generate, partition)");
    }
  };
  return gas::run_cli(program, argc, argv);
}
