#include <gas/experiment.h>

#include <gas/build_info.h>
#include <gas/datasets/dataset.h>
#include <gas/layerwise.h>
#include <gas/loader.h>
#include <gas/metrics.h>
#include <gas/models/registry.h>
#include <gas/partition.h>
#include <gas/train.h>

#include "util/strings.h"
#include "util/system.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <nlohmann/json.hpp>
#include <torch/cuda.h>
#include <torch/utils.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <dirent.h>
#include <iomanip>
#include <optional>
#include <ostream>
#include <sstream>
#include <thread>

namespace gas {
namespace {

// Everything a run needs, read and validated once at start-up.
struct Settings {
  std::string model, dataset, root, json, device_name;
  c10::Device device = c10::Device(c10::kCPU);
  int64_t runs = 1, epochs = 1, seed = 0, log_every = 1, threads = 0;
  bool norm = false, loop = false;
  int64_t num_parts = 1, batch_size = 1, num_workers = 1, max_steps = 0;
  double lr = 0.01, reg_weight_decay = 0.0, nonreg_weight_decay = 0.0;
  std::optional<double> grad_norm;
  PartitionMethod partition = PartitionMethod::Metis;
  bool layerwise = false, fill_history = true;
  HistoryPlacement placement = HistoryPlacement::Host;
  models::ModelBuilder build_model;
  DatasetLoader load_data;
  ConfigNode params;
};

c10::Device resolve_device(const ConfigNode& config, const std::string& name) {
  const bool cuda = torch::cuda::is_available();
  if (name == "auto") return cuda ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
  if (name == "cpu") return c10::Device(c10::kCPU);
  // A bare number is PyGAS's `device: 0`: that GPU if there is one, else the CPU.
  if (!name.empty() && std::all_of(name.begin(), name.end(), ::isdigit))
    return cuda ? c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(std::stoi(name))) : c10::Device(c10::kCPU);
  if (name.rfind("cuda", 0) == 0) {
    c10::Device device(c10::kCPU);
    try {
      device = c10::Device(name);
    } catch (const c10::Error&) {
      config.fail("device", "malformed device '" + name + "' (expected auto, cpu, cuda, cuda:N or N)");
    }
    if (!cuda) config.fail("device", "'" + name + "' requested, but no CUDA device is available to this LibTorch");
    return device;
  }
  config.fail("device", "unknown device '" + name + "' (expected auto, cpu, cuda, cuda:N or N)");
}

Settings read_settings(const ConfigNode& config) {
  Settings s;
  s.model = config.get_string("model", "gcn");
  s.dataset = config.get_string("dataset", "synthetic");
  s.root = config.get_string("root", "data");
  s.json = config.get_string("json", "");
  if (!s.json.empty()) {
    const size_t slash = s.json.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : s.json.substr(0, std::max<size_t>(slash, 1));
    if (!util::is_directory(dir)) config.fail("json", "directory '" + dir + "' does not exist");
  }
  s.device_name = config.get_string("device", "auto");
  s.device = resolve_device(config, s.device_name);
  s.seed = config.get_int("seed", 0);
  s.log_every = config.get_int_at_least("log_every", 1, 0);
  // Debian's LibTorch starts with one intra-op thread whatever the machine has.
  s.threads = config.get_int_at_least("threads", 0, 0);
  s.norm = config.get_bool("norm", false);
  s.loop = config.get_bool("loop", false);

  const ConfigNode params = config.child("params").child(s.dataset);
  s.params = params;
  s.build_model = models::model_from_config(s.model, params.child("architecture"));
  s.load_data = dataset_from_config(s.dataset, params.child("data"));
  s.num_parts = params.get_int_at_least("num_parts", 1, 1);
  s.batch_size = params.get_int_at_least("batch_size", 1, 1);
  s.num_workers = params.get_int_at_least("num_workers", 0, 0);
  s.max_steps = params.get_int_at_least("max_steps", 0, 0);
  s.lr = params.get_double("lr", 0.01);
  if (!(s.lr > 0)) params.fail("lr", "must be positive, got " + std::to_string(s.lr));
  s.reg_weight_decay = params.get_double("reg_weight_decay", 0.0);
  s.nonreg_weight_decay = params.get_double("nonreg_weight_decay", 0.0);
  if (s.reg_weight_decay < 0) params.fail("reg_weight_decay", "must be >= 0");
  if (s.nonreg_weight_decay < 0) params.fail("nonreg_weight_decay", "must be >= 0");
  s.grad_norm = params.get_optional_double("grad_norm");
  if (s.grad_norm && !(*s.grad_norm > 0)) params.fail("grad_norm", "must be positive or null");
  // The top-level runs/epochs (the command line's) override the block's.
  const int64_t block_runs = params.get_int_at_least("runs", 1, 1);
  const int64_t block_epochs = params.get_int_at_least("epochs", 200, 1);
  s.runs = config.get_int_at_least("runs", block_runs, 1);
  s.epochs = config.get_int_at_least("epochs", block_epochs, 1);
  s.partition = parse_partition_method(params.get_choice("partition", has_metis() ? "metis" : "random",
                                                         {"metis", "metis_recursive", "random"}));
  s.layerwise = params.get_choice("inference", "full", {"full", "layerwise"}) == "layerwise";
  s.fill_history = params.get_bool("fill_history", true);
  s.placement = parse_history_placement(params.get_choice("history", "host", {"host", "device"}));
  config.check_unknown();
  return s;
}

std::string fixed(double v, int digits) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(digits) << v;
  return out.str();
}

struct Evaluation {
  double train = 0, val = 0, test = 0;
};

}  // namespace

const std::vector<std::string>& run_keys() {
  static const std::vector<std::string> keys = {"dataset", "root", "device",    "runs",
                                                "epochs",  "seed", "json",      "log_every",
                                                "threads"};
  return keys;
}

ConfigNode compose_config(const std::string& suite, const std::string& config_dir, const std::string& config_file,
                          const std::vector<std::string>& overrides) {
  std::vector<std::pair<std::string, std::string>> top, params_overrides;
  std::string model;
  for (const std::string& arg : overrides) {
    auto kv = parse_override(arg);
    if (kv.first == "model") {
      model = kv.second;
      top.push_back(kv);
    } else if (kv.first.rfind("params.", 0) == 0 && kv.first.size() > 7) {
      params_overrides.emplace_back(kv.first.substr(7), kv.second);
    } else if (std::find(run_keys().begin(), run_keys().end(), kv.first) != run_keys().end()) {
      top.push_back(kv);
    } else {
      throw ConfigError("unknown argument '" + arg + "' (valid keys: model, " + util::join(run_keys()) +
                        ", params.<key>)");
    }
  }

  std::string file = config_file;
  if (file.empty()) {
    if (model.empty()) model = "gcn";
    file = config_dir + "/" + suite + "/" + model + ".yaml";
    if (!util::is_file(file)) {
      std::vector<std::string> known;
      if (DIR* dir = opendir((config_dir + "/" + suite).c_str())) {
        while (dirent* entry = readdir(dir)) {
          const std::string name = entry->d_name;
          if (name.size() > 5 && name.substr(name.size() - 5) == ".yaml") known.push_back(name.substr(0, name.size() - 5));
        }
        closedir(dir);
      }
      std::sort(known.begin(), known.end());
      throw ConfigError("unknown model '" + model + "': no config file " + file +
                        (known.empty() ? "" : " (available: " + util::join(known) + ")"));
    }
  }
  ConfigNode config = ConfigNode::load_file(file);
  for (const auto& [key, value] : top) config.set(key, value, "command line");
  if (!config.has("model")) config.set("model", model.empty() ? "gcn" : model, "default");

  const std::string dataset = config.has("dataset") ? config.get_string("dataset") : "synthetic";
  if (!config.has("dataset")) config.set("dataset", dataset, "default");
  const std::vector<std::string> known = dataset_names();
  if (std::find(known.begin(), known.end(), dataset) == known.end())
    config.fail("dataset", "unknown dataset '" + dataset + "' (known: " + util::join(known) + ")");
  const ConfigNode all = config.child("params");
  if (!all.has(dataset)) {
    throw ConfigError(config.where("params") + ": model '" + config.get_string("model") +
                      "' has no parameters for dataset '" + dataset + "' (available: " + util::join(all.keys()) + ")");
  }
  ConfigNode params = config.child("params");
  for (const std::string& other : params.keys())
    if (other != dataset) params.erase(other);
  for (const auto& [key, value] : params_overrides) config.set("params." + dataset + "." + key, value, "command line");
  return config;
}

void check_experiment_config(const ConfigNode& config) { read_settings(config); }

ExperimentResult run_experiment(const ConfigNode& config, std::ostream& out) {
  const double t_start = util::now_seconds();
  const Settings s = read_settings(config);
  // Loader workers get cores of their own: an OpenMP team sharing its cores
  // with another busy thread stalls at every barrier (3x slower epochs
  // measured on 2 cores).
  const int64_t cores = std::max<int64_t>(1, std::thread::hardware_concurrency());
  at::set_num_threads(static_cast<int>(s.threads > 0 ? s.threads : std::max<int64_t>(1, cores - s.num_workers)));
  out << config.to_yaml() << "\n\n";
  out << "gas " << GAS_VERSION << " | device " << s.device << " | " << at::get_num_threads() << " threads\n";

  double t = util::now_seconds();
  out << "Loading " << s.dataset << "..." << std::flush;
  Dataset data = s.load_data(s.root);
  out << " done [" << fixed(util::now_seconds() - t, 2) << "s]\n" << data.summary() << "\n";
  if (s.num_parts > data.num_nodes())
    s.params.fail("num_parts", std::to_string(s.num_parts) + " parts requested for a graph of " +
                                   std::to_string(data.num_nodes()) + " nodes");

  if (s.norm) {
    data.adj = gcn_norm(data.adj);
  } else if (s.loop) {
    data.adj = set_self_loops(data.adj);
  }

  t = util::now_seconds();
  out << "Partitioning into " << s.num_parts << " parts (" << to_string(s.partition) << ")..." << std::flush;
  const Partition partition = partition_graph(data.adj, s.num_parts, s.partition, s.seed);
  out << " done [" << fixed(util::now_seconds() - t, 2) << "s], edge cut "
      << fixed(100.0 * static_cast<double>(edge_cut(data.adj, partition)) / std::max<int64_t>(1, data.adj.nnz()), 1)
      << "%\n";
  data = data.permute(partition.perm);

  SubgraphLoader loader(data.adj, partition.ptr, data.x,
                        SubgraphLoaderOptions().batch_size(s.batch_size).seed(s.seed).num_workers(s.num_workers));
  std::optional<EvalSubgraphLoader> eval_loader;
  if (s.layerwise) eval_loader.emplace(data.adj, partition.ptr, s.batch_size);

  const models::ModelSpec spec{data.num_nodes(), data.num_features(), data.num_classes, data.adj.row_degree()};
  std::shared_ptr<ScalableGNNImpl> model = s.build_model(spec);
  model->set_history_placement(s.placement);
  model->to(s.device);
  int64_t num_params = 0;
  for (const auto& p : model->parameters()) num_params += p.numel();
  out << "Model " << s.model << ": " << model->num_layers() << " layers, " << num_params << " parameters, "
      << model->histories().size() << " histories (" << fixed(model->history_nbytes() / 1048576.0, 1)
      << " MiB), history I/O " << model->history_io().name() << ", " << loader.size() << " batches per epoch"
      << (s.max_steps > 0 && s.max_steps < loader.size() ? " (max_steps " + std::to_string(s.max_steps) + ")" : "")
      << ", evaluation " << (s.layerwise ? "layer-wise" : "full-batch") << "\n";

  const std::string metric_name = data.multilabel() ? "micro-F1" : "accuracy";
  auto evaluate = [&](int64_t run) {
    const at::Tensor logits = s.layerwise ? layerwise_inference(*model, *eval_loader, data.x)
                                          : full_batch_inference(*model, data);
    Evaluation e;
    e.train = node_metric(logits, data.y, data.mask(Split::Train, run));
    e.val = node_metric(logits, data.y, data.mask(Split::Val, run));
    e.test = node_metric(logits, data.y, data.mask(Split::Test, run));
    return e;
  };

  ExperimentResult result;
  result.metric = metric_name;
  std::vector<double> epoch_seconds;
  for (int64_t run = 0; run < s.runs; ++run) {
    RunResult r;
    r.run = run;
    r.seed = s.seed + run;
    torch::manual_seed(static_cast<uint64_t>(r.seed));
    loader.reseed(static_cast<uint64_t>(r.seed));
    model->reset_parameters();
    auto optimizer = make_adam(*model, s.lr, s.reg_weight_decay, s.nonreg_weight_decay);
    if (s.fill_history) evaluate(run);  // fills every history before the first step
    const TrainEpochOptions options = TrainEpochOptions()
                                          .grad_norm(s.grad_norm ? c10::optional<double>(*s.grad_norm) : c10::nullopt)
                                          .max_steps(s.max_steps)
                                          .split(run);

    r.best_val = -1.0;
    for (int64_t epoch = 1; epoch <= s.epochs; ++epoch) {
      const TrainEpochStats stats = train_epoch(*model, loader, *optimizer, data, options);
      const double t_eval = util::now_seconds();
      const Evaluation e = evaluate(run);
      const double eval_seconds = util::now_seconds() - t_eval;
      epoch_seconds.push_back(stats.seconds + eval_seconds);
      if (e.val > r.best_val) {
        r.best_val = e.val;
        r.test = e.test;
        r.best_epoch = epoch;
      }
      if (s.log_every > 0 && (epoch % s.log_every == 0 || epoch == s.epochs)) {
        out << "run " << run + 1 << "/" << s.runs << " epoch " << std::setw(4) << epoch << "/" << s.epochs
            << "  loss " << fixed(stats.loss, 4) << "  train " << fixed(100 * e.train, 2) << "  val "
            << fixed(100 * e.val, 2) << "  test " << fixed(100 * e.test, 2) << "  | best val "
            << fixed(100 * r.best_val, 2) << " test " << fixed(100 * r.test, 2) << "  | "
            << fixed(1000 * stats.seconds, 1) << " ms train";
        if (stats.batches < stats.total_batches) out << " (" << stats.batches << "/" << stats.total_batches << " batches)";
        out << ", " << fixed(1000 * eval_seconds, 1) << " ms eval\n";
      }
    }
    out << "run " << run + 1 << "/" << s.runs << " (seed " << r.seed << "): best val " << fixed(100 * r.best_val, 2)
        << " at epoch " << r.best_epoch << ", test " << fixed(100 * r.test, 2) << "\n";
    result.runs.push_back(r);
  }

  double sum = 0;
  for (const auto& r : result.runs) sum += 100 * r.test;
  result.mean = sum / static_cast<double>(result.runs.size());
  double sq = 0;
  for (const auto& r : result.runs) sq += (100 * r.test - result.mean) * (100 * r.test - result.mean);
  result.std = result.runs.size() > 1 ? std::sqrt(sq / static_cast<double>(result.runs.size() - 1)) : 0.0;
  std::sort(epoch_seconds.begin(), epoch_seconds.end());
  result.median_epoch_seconds = epoch_seconds[epoch_seconds.size() / 2];
  result.total_seconds = util::now_seconds() - t_start;
  result.peak_rss_mb = util::peak_rss_mb();

  out << "Median epoch " << fixed(1000 * result.median_epoch_seconds, 1) << " ms (train + eval), total "
      << fixed(result.total_seconds, 1) << " s, peak RSS " << fixed(result.peak_rss_mb, 0) << " MiB\n";
  out << "Mini Acc: " << fixed(result.mean, 2) << " \u00b1 " << fixed(result.std, 2) << "\n";

  if (!s.json.empty()) {
    nlohmann::json j;
    j["config"] = nlohmann::json::parse(config.to_json());
    j["metric"] = metric_name;
    j["runs"] = nlohmann::json::array();
    for (const auto& r : result.runs)
      j["runs"].push_back({{"run", r.run}, {"seed", r.seed}, {"best_val", 100 * r.best_val}, {"test", 100 * r.test},
                           {"best_epoch", r.best_epoch}});
    j["mean"] = result.mean;
    j["std"] = result.std;
    j["epochs"] = s.epochs;
    j["total_s"] = result.total_seconds;
    j["median_epoch_s"] = result.median_epoch_seconds;
    j["peak_rss_mb"] = result.peak_rss_mb;
    j["gas_version"] = GAS_VERSION;
    j["device"] = s.device.str();
    j["threads"] = at::get_num_threads();
    util::write_file_atomic(s.json, j.dump(2) + "\n");
    out << "Results written to " << s.json << "\n";
  }
  return result;
}

}  // namespace gas
