#include <gas/experiment.h>

#include <gas/build_info.h>
#include <gas/datasets/dataset.h>
#include <gas/export.h>
#include <gas/layerwise.h>
#include <gas/loader.h>
#include <gas/metrics.h>
#include <gas/models/registry.h>
#include <gas/ops/devices.h>
#include <gas/partition.h>
#include <gas/partition_cache.h>
#include <gas/process.h>
#include <gas/sparse_features.h>
#include <gas/train.h>
#include <gas/trainer.h>

#include "util/strings.h"
#include "util/system.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/utils.h>
#include <nlohmann/json.hpp>

#include <dirent.h>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <optional>
#include <ostream>
#include <sstream>
#include <thread>

namespace gas {
namespace {

// Everything a run needs, read and validated once at start-up.
struct Settings {
  std::string model, dataset, root, json, device_name, out_dir;
  std::vector<std::string> exports;  // logits, predictions, embeddings
  std::string export_format = "npy";
  bool cache = true;
  std::string cache_key;  // the dataset, and a hash of its options when it has some
  bool profile = false;
  std::string sparse_features = "auto";
  c10::Device device = c10::Device(c10::kCPU);
  int64_t runs = 1, epochs = 1, seed = 0, log_every = 1, threads = 0;
  bool norm = false, loop = false;
  int64_t num_parts = 1, batch_size = 1, num_workers = 0, max_steps = 0;
  int64_t part_size = 0;  // with num_parts: auto, nodes per part
  int64_t eval_every = 1;
  c10::optional<bool> precompute;
  double lr = 0.01, reg_weight_decay = 0.0, nonreg_weight_decay = 0.0;
  std::optional<double> grad_norm;
  PartitionMethod partition = PartitionMethod::Metis;
  bool layerwise = false, fill_history = true;
  std::shared_ptr<HistoryBackend> history_backend = host_history_backend();
  bool async_io = false;
  int64_t pool_size = 1;  // worker threads of asynchronous history I/O
  std::vector<std::string> warnings;  // keys that are set but change nothing
  models::ModelBuilder build_model;
  DatasetLoader load_data;
  ConfigNode params;
};

// CUDA only where this build has CUDA kernels and a device is present: a
// CUDA LibTorch on a GPU machine is not enough.
c10::Device resolve_device(const ConfigNode& config, const std::string& name) {
  const bool kernels = ops::has_kernels_for(c10::DeviceType::CUDA);
  const bool cuda = kernels && torch::cuda::is_available();
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
    if (!kernels)
      config.fail("device", "'" + name + "' requested, but this build of gas has no CUDA kernels (kernels for: " +
                                ops::kernel_devices() + ")");
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
  s.out_dir = config.get_string("out_dir", "");
  if (config.has("export")) {
    // A single name or a list of them.
    try {
      s.exports = {config.get_string("export")};
    } catch (const ConfigError&) {
      s.exports = config.get_string_list("export", {});
    }
    for (const std::string& e : s.exports)
      if (e != "logits" && e != "predictions" && e != "embeddings")
        config.fail("export", "unknown output '" + e + "' (valid: logits, predictions, embeddings)");
    if (s.out_dir.empty()) config.fail("export", "needs out_dir=DIR to write to");
  }
  s.export_format = config.get_choice("export_format", "npy", {"npy", "csv"});
  s.device_name = config.get_string("device", "auto");
  s.device = resolve_device(config, s.device_name);
  s.seed = config.get_int("seed", 0);
  s.log_every = config.get_int_at_least("log_every", 1, 0);
  s.profile = config.get_bool("profile", false);
  // Debian's LibTorch starts with one intra-op thread whatever the machine has.
  s.threads = config.get_int_at_least("threads", 0, 0);
  s.norm = config.get_bool("norm", false);
  s.loop = config.get_bool("loop", false);

  const ConfigNode params = config.child("params").child(s.dataset);
  s.params = params;
  s.build_model = models::model_from_config(s.model, params.child("architecture"));
  s.load_data = dataset_from_config(s.dataset, params.child("data"));
  try {
    s.num_parts = params.get_int_at_least("num_parts", 1, 1);
  } catch (const ConfigError&) {
    if (params.get_string("num_parts") != "auto") throw;
    s.part_size = params.get_int_at_least("part_size", 1000, 1);
  }
  s.batch_size = params.get_int_at_least("batch_size", 1, 1);
  s.num_workers = params.get_int_at_least("num_workers", 0, 0);
  s.max_steps = params.get_int_at_least("max_steps", 0, 0);
  s.eval_every = params.get_int_at_least("eval_every", 1, 1);
  if (params.has("precompute")) s.precompute = params.get_bool("precompute", false);
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
  s.partition = parse_partition_method(
      params.get_choice("partition", has_metis() ? "metis" : "random", {"metis", "metis_recursive", "random"}));
  s.layerwise = params.get_choice("inference", "full", {"full", "layerwise"}) == "layerwise";
  s.fill_history = params.get_bool("fill_history", true);
  s.history_backend = history_backend(params.get_choice("history", "host", {"host", "device"}));
  s.async_io = params.get_choice("history_io", "sync", {"sync", "async"}) == "async";
  // PyGAS's number of transfers in flight; here the threads that move rows.
  s.pool_size = params.get_int_at_least("pool_size", 1, 1);
  if (params.has("pool_size") && !s.async_io)
    s.warnings.push_back(params.where("pool_size") + ": has no effect without history_io=async");
  s.cache = params.get_bool("cache_partition", true);
  s.sparse_features = params.get_choice("sparse_features", "auto", {"auto", "true", "false"});
  const std::string data_options = params.child("data").keys().empty() ? "" : params.child("data").to_yaml();
  std::ostringstream key;
  key << s.dataset;
  if (!data_options.empty()) {
    uint64_t h = 1469598103934665603ull;  // FNV-1a: stable across builds, unlike std::hash
    for (unsigned char c : data_options) h = (h ^ c) * 1099511628211ull;
    key << "-" << std::hex << h;
  }
  s.cache_key = key.str();
  config.check_unknown();
  return s;
}

std::string fixed(double v, int digits) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(digits) << v;
  return out.str();
}

std::string seconds_since(double start) { return fixed(util::now_seconds() - start, 2) + "s"; }

// A graph the experiment trains or evaluates on, in partition order.
struct PartitionedGraph {
  std::string label;
  Dataset data;                              // nodes permuted so that every part is contiguous
  Partition partition;                       // partition.perm[i]: original id of node i
  std::unique_ptr<EvalSubgraphLoader> eval;  // for layer-wise evaluation
};

PartitionedGraph prepare_graph(const Settings& s, Dataset data, const std::string& label, int64_t num_parts,
                               std::ostream& out) {
  if (s.norm) {
    data.adj = gcn_norm(data.adj);
  } else if (s.loop) {
    data.adj = set_self_loops(data.adj);
  }
  num_parts = std::min(num_parts, data.num_nodes());
  const double t = util::now_seconds();
  out << "Partitioning " << label << " into " << num_parts << " parts (" << to_string(s.partition) << ")..."
      << std::flush;
  Partition partition;
  // The cache lives under the dataset root, which is never created here.
  if (s.cache && util::is_directory(s.root)) {
    PartitionCacheInfo info;
    partition = cached_partition(data.adj, num_parts, s.partition, s.seed, s.root + "/processed/gas",
                                 s.cache_key + (label == "graph" ? "" : "-" + label), &info);
    out << (info.hit ? " cached" : " done") << " [" << seconds_since(t) << "]";
    if (!info.hit && !info.note.empty()) out << " (cache: " << info.note << ")";
  } else {
    partition = partition_graph(data.adj, num_parts, s.partition, s.seed);
    out << " done [" << seconds_since(t) << "]";
  }
  out << ", edge cut "
      << fixed(100.0 * static_cast<double>(edge_cut(data.adj, partition)) / std::max<int64_t>(1, data.adj.nnz()), 1)
      << "%\n";
  PartitionedGraph g;
  g.label = label;
  g.data = data.permute(partition.perm);
  g.partition = partition;
  if (s.layerwise) g.eval = std::make_unique<EvalSubgraphLoader>(g.data.adj, partition.ptr, s.batch_size);
  return g;
}

// Rows of `permuted` (in partition order) put back in original node order.
at::Tensor unpermute(const at::Tensor& permuted, const Partition& partition) {
  return at::empty_like(permuted).index_copy_(0, partition.perm, permuted);
}

// Where results go: the progress lines, the run directory's metrics.jsonl,
// and the summary (summary.json, json=FILE). A hook of the Trainer, it sees
// every epoch, and keeps their times for the summary.
class Reporter : public TrainHook {
 public:
  Reporter(const Settings& s, const ConfigNode& config, std::ostream& out) : s_(s), out_(out) {
    if (s.out_dir.empty()) return;
    util::make_directories(s.out_dir);
    util::write_file_atomic(s.out_dir + "/config.yaml", config.to_yaml() + "\n");
    metrics_.open(s.out_dir + "/metrics.jsonl", std::ios::trunc);
    if (!metrics_) throw std::runtime_error("cannot write '" + s.out_dir + "/metrics.jsonl': " + util::errno_message());
  }

  void end_epoch(const EpochRecord& e, const RunResult& best) override {
    const TrainEpochStats& t = e.train;
    epoch_seconds_.push_back(t.seconds + e.eval_seconds);
    if (metrics_.is_open()) {
      nlohmann::json j = {{"run", e.run},
                          {"epoch", e.epoch},
                          {"loss", t.loss},
                          {"batches", t.batches},
                          {"total_batches", t.total_batches},
                          {"train_s", t.seconds},
                          {"wait_s", t.wait_seconds},
                          {"forward_s", t.forward_seconds},
                          {"backward_s", t.backward_seconds},
                          {"step_s", t.step_seconds},
                          {"pull_s", t.pull_seconds},
                          {"push_s", t.push_seconds},
                          {"eval_s", e.eval_seconds},
                          {"rss_mb", util::peak_rss_mb()}};
      if (e.evaluated) {
        j["train"] = 100 * e.train_metric;
        j["val"] = 100 * e.val_metric;
        j["test"] = 100 * e.test_metric;
      }
      metrics_ << j.dump() << "\n" << std::flush;
    }
    if (s_.log_every == 0 || (e.epoch % s_.log_every != 0 && e.epoch != s_.epochs)) return;
    out_ << "run " << e.run + 1 << "/" << s_.runs << " epoch " << std::setw(4) << e.epoch << "/" << s_.epochs
         << "  loss " << fixed(t.loss, 4);
    if (e.evaluated) {
      out_ << "  train " << fixed(100 * e.train_metric, 2) << "  val " << fixed(100 * e.val_metric, 2) << "  test "
           << fixed(100 * e.test_metric, 2);
    } else {
      out_ << "  (not evaluated)";
    }
    out_ << "  | best val " << fixed(100 * best.best_val, 2) << " test " << fixed(100 * best.test, 2) << "  | "
         << fixed(1000 * t.seconds, 1) << " ms train";
    if (t.batches < t.total_batches) out_ << " (" << t.batches << "/" << t.total_batches << " batches)";
    out_ << ", " << fixed(1000 * e.eval_seconds, 1) << " ms eval";
    if (s_.profile) {
      const double compute = t.forward_seconds + t.backward_seconds - t.pull_seconds - t.push_seconds;
      out_ << "  [wait " << fixed(1000 * t.wait_seconds, 1) << ", compute " << fixed(1000 * compute, 1) << ", pull "
           << fixed(1000 * t.pull_seconds, 1) << ", push " << fixed(1000 * t.push_seconds, 1) << ", step "
           << fixed(1000 * t.step_seconds, 1) << " ms]";
    }
    out_ << std::endl;  // flushed: long runs are followed through pipes and files
  }

  /// Training plus evaluation, of every epoch so far.
  const std::vector<double>& epoch_seconds() const { return epoch_seconds_; }

  void summary(const nlohmann::json& j) {
    const std::string text = j.dump(2) + "\n";
    if (!s_.out_dir.empty()) util::write_file_atomic(s_.out_dir + "/summary.json", text);
    if (!s_.json.empty()) util::write_file_atomic(s_.json, text);
  }

 private:
  const Settings& s_;
  std::ostream& out_;
  std::ofstream metrics_;
  std::vector<double> epoch_seconds_;
};

// The last run's outputs at its best validation epoch, for the exports: the
// main graph's logits of that epoch's evaluation and the last history.
class BestOutputs : public TrainHook {
 public:
  BestOutputs(ScalableGNNImpl& model, const at::Tensor& logits, int64_t last_run)
      : model_(model), logits_(logits), last_run_(last_run) {}

  void new_best(const EpochRecord& e, const RunResult&) override {
    if (e.run != last_run_) return;
    logits = logits_.clone();
    HistoryStore& h = model_.histories();
    embeddings = h.empty() ? logits : h.pull(h.size() - 1);
  }

  at::Tensor logits, embeddings;

 private:
  ScalableGNNImpl& model_;
  const at::Tensor& logits_;  // the evaluation's, overwritten by every evaluation
  int64_t last_run_;
};

}  // namespace

const std::vector<std::string>& run_keys() {
  static const std::vector<std::string> keys = {"dataset", "root",      "device",  "runs",   "epochs",
                                                "seed",    "json",      "out_dir", "export", "export_format",
                                                "threads", "log_every", "profile"};
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
          if (name.size() > 5 && name.substr(name.size() - 5) == ".yaml")
            known.push_back(name.substr(0, name.size() - 5));
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
  if (!has_dataset(dataset))
    config.fail("dataset",
                "unknown dataset '" + dataset + "' (known: " + util::join(dataset_names()) + ", synthetic-<label>)");
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
  Settings s = read_settings(config);
  // Loader workers get cores of their own: an OpenMP team sharing its cores
  // with another busy thread stalls at every barrier (3x slower epochs
  // measured on 2 cores).
  const int64_t cores = std::max<int64_t>(1, std::thread::hardware_concurrency());
  at::set_num_threads(static_cast<int>(s.threads > 0 ? s.threads : std::max<int64_t>(1, cores - s.num_workers)));
  out << config.to_yaml() << "\n\n";
  out << "gas " << GAS_VERSION << " | device " << s.device << " | " << at::get_num_threads() << " threads | huge pages "
      << (malloc_uses_huge_pages() ? "on" : "off") << "\n";
  for (const std::string& w : s.warnings) out << "Warning: " << w << "\n";
  const auto reporter = std::make_shared<Reporter>(s, config, out);

  double t = util::now_seconds();
  out << "Loading " << s.dataset << "..." << std::flush;
  Dataset data = s.load_data(s.root);
  const double load_seconds = util::now_seconds() - t;
  out << " done [" << seconds_since(t) << "]\n" << data.summary() << "\n";
  if (s.part_size > 0) {
    s.num_parts = std::max<int64_t>(1, (data.num_nodes() + s.part_size - 1) / s.part_size);
    out << "num_parts: auto -> " << s.num_parts << " parts of about " << s.part_size << " nodes\n";
  }
  if (s.num_parts > data.num_nodes())
    s.params.fail("num_parts", std::to_string(s.num_parts) + " parts requested for a graph of " +
                                   std::to_string(data.num_nodes()) + " nodes");
  if (data.inductive && !s.exports.empty())
    config.fail("export", "exports cover one graph; the inductive dataset " + s.dataset + " has one per split");

  // Inductive datasets train on the training nodes' graph only and evaluate
  // on the validation and test graphs, each partitioned for the splitter.
  t = util::now_seconds();
  std::vector<PartitionedGraph> graphs;
  if (data.inductive) {
    const int64_t n = data.num_nodes();
    for (const Split split : {Split::Train, Split::Val, Split::Test}) {
      Dataset part = data.subgraph(data.mask(split));
      const int64_t parts = std::max<int64_t>(1, (s.num_parts * part.num_nodes() + n - 1) / std::max<int64_t>(1, n));
      graphs.push_back(
          prepare_graph(s, std::move(part), to_string(split), split == Split::Train ? s.num_parts : parts, out));
    }
  } else {
    graphs.push_back(prepare_graph(s, std::move(data), "graph", s.num_parts, out));
  }
  const double partition_seconds = util::now_seconds() - t;
  PartitionedGraph& main = graphs.front();
  const Dataset& train_data = main.data;

  const models::ModelSpec spec{train_data.num_nodes(), train_data.num_features(), train_data.num_classes,
                               train_data.adj.row_degree()};
  std::shared_ptr<ScalableGNNImpl> model = s.build_model(spec);
  model->histories().set_backend(s.history_backend);
  if (s.async_io) model->histories().set_transport(std::make_shared<AsyncHistoryTransport>(s.pool_size));
  model->to(s.device);
  // Sparse input features where the first layer can take them and they are
  // mostly zeros (bag-of-words): the first transform and input dropout then
  // touch the non-zeros only.
  const double density = feature_density(train_data.x);
  const bool sparse = model->supports_sparse_input() && s.device.is_cpu() &&
                      (s.sparse_features == "true" || (s.sparse_features == "auto" && density < 0.1));
  if (s.sparse_features == "true" && !sparse)
    s.params.fail("sparse_features", "model " + s.model + " takes dense features only (on this device)");
  if (sparse)
    for (auto& g : graphs) g.data.x = to_sparse_features(g.data.x);
  SubgraphLoader loader(train_data.adj, main.partition.ptr, train_data.x,
                        SubgraphLoaderOptions()
                            .batch_size(s.batch_size)
                            .seed(s.seed)
                            .num_workers(s.num_workers)
                            .precompute(s.precompute));
  int64_t num_params = 0;
  for (const auto& p : model->parameters()) num_params += p.numel();
  // What the run holds whatever the batch size: the data, its partition,
  // the evaluation batches (another copy of the graph), the batch builders'
  // node indexes, the histories, and the output of the full-graph
  // evaluation. The rest of the peak is compute memory.
  int64_t static_bytes = model->histories().nbytes() + batch_index_nbytes();
  for (const auto& g : graphs)
    static_bytes += g.data.nbytes() + tensor_nbytes(g.partition.perm) + (g.eval ? g.eval->nbytes() : 0) +
                    g.data.num_nodes() * train_data.num_classes * static_cast<int64_t>(sizeof(float));
  out << "Model " << s.model << ": " << model->num_layers() << " layers, " << num_params << " parameters, "
      << model->histories().size() << " histories (" << fixed(model->histories().nbytes() / 1048576.0, 1)
      << " MiB), history I/O " << model->histories().transport().name()
      << (s.async_io ? " (" + std::to_string(s.pool_size) + " threads)" : "") << ", " << loader.size()
      << " batches per epoch ("
      << (loader.symmetric() ? "symmetric graph: no transposes" : "directed graph: batches carry transposes") << ")"
      << (s.max_steps > 0 && s.max_steps < loader.size() ? " (max_steps " + std::to_string(s.max_steps) + ")" : "")
      << ", evaluation " << (s.layerwise ? "layer-wise" : "full-batch") << ", " << (sparse ? "sparse" : "dense")
      << " features (density " << fixed(100 * density, 2) << "%); static data " << fixed(static_bytes / 1048576.0, 1)
      << " MiB (data, partition, evaluation batches, batch index, histories, output)\n";
  if (s.max_steps > 0 && s.max_steps < loader.size())
    out << "Note: max_steps = " << s.max_steps << " < " << loader.size()
        << " batches: each epoch trains on part of the graph, as in PyGAS\n";

  const bool multilabel = train_data.multilabel();
  at::Tensor logits;  // of the main graph, from the last evaluation
  auto evaluate = [&](int64_t run) {
    logits = at::Tensor();  // not alive beside the new output: one N x classes matrix at a time
    std::vector<double> metrics;
    for (PartitionedGraph& g : graphs) {
      const at::Tensor out_logits =
          s.layerwise ? layerwise_inference(*model, *g.eval, g.data.x) : full_batch_inference(*model, g.data);
      if (&g == &main) logits = out_logits;
      if (data.inductive || graphs.size() > 1) {
        metrics.push_back(node_metric(out_logits, g.data.y, at::ones({g.data.num_nodes()}, at::kBool)));
      } else {
        for (const Split split : {Split::Train, Split::Val, Split::Test})
          metrics.push_back(node_metric(out_logits, g.data.y, g.data.mask(split, run)));
      }
    }
    return metrics;
  };

  ExperimentResult result;
  result.metric = multilabel ? "micro-F1" : "accuracy";
  // Loading and partitioning peak higher than training and free their
  // buffers; training's own peak is what GAS keeps flat as graphs grow.
  const double setup_peak_mb = util::peak_rss_mb();
  util::release_free_memory();
  const bool train_peak_known = util::reset_peak_rss();
  Trainer trainer(*model, loader, train_data, evaluate,
                  TrainerOptions()
                      .epochs(s.epochs)
                      .eval_every(s.eval_every)
                      .epoch(TrainEpochOptions()
                                 .grad_norm(s.grad_norm ? c10::optional<double>(*s.grad_norm) : c10::nullopt)
                                 .max_steps(s.max_steps)));
  trainer.add_hook(reporter);
  const auto best_outputs = std::make_shared<BestOutputs>(*model, logits, s.runs - 1);
  if (!s.exports.empty()) trainer.add_hook(best_outputs);
  for (int64_t run = 0; run < s.runs; ++run) {
    const int64_t seed = s.seed + run;
    torch::manual_seed(static_cast<uint64_t>(seed));
    loader.reseed(static_cast<uint64_t>(seed));
    model->reset_parameters();
    auto optimizer = make_adam(*model, s.lr, s.reg_weight_decay, s.nonreg_weight_decay);
    if (s.fill_history) evaluate(run);  // fills every history before the first step
    RunResult r = trainer.fit(*optimizer, run);
    r.seed = seed;
    out << "run " << run + 1 << "/" << s.runs << " (seed " << r.seed << "): best val " << fixed(100 * r.best_val, 2)
        << " at epoch " << r.best_epoch << ", test " << fixed(100 * r.test, 2) << std::endl;
    result.runs.push_back(r);
  }

  double sum = 0;
  for (const auto& r : result.runs) sum += 100 * r.test;
  result.mean = sum / static_cast<double>(result.runs.size());
  double sq = 0;
  for (const auto& r : result.runs) sq += (100 * r.test - result.mean) * (100 * r.test - result.mean);
  result.std = result.runs.size() > 1 ? std::sqrt(sq / static_cast<double>(result.runs.size() - 1)) : 0.0;
  std::vector<double> epoch_seconds = reporter->epoch_seconds();
  std::sort(epoch_seconds.begin(), epoch_seconds.end());
  result.median_epoch_seconds = epoch_seconds[epoch_seconds.size() / 2];
  result.total_seconds = util::now_seconds() - t_start;
  result.train_peak_rss_mb = util::peak_rss_mb();
  result.peak_rss_mb = std::max(setup_peak_mb, result.train_peak_rss_mb);
  if (!train_peak_known) result.train_peak_rss_mb = result.peak_rss_mb;

  if (!s.exports.empty()) {
    for (const std::string& what : s.exports) {
      const at::Tensor& best = best_outputs->logits;
      at::Tensor values = what == "logits"       ? best
                          : what == "embeddings" ? best_outputs->embeddings
                                                 : (multilabel ? best.gt(0) : best.argmax(1));
      const std::string path = s.out_dir + "/" + what + "." + s.export_format;
      write_node_values(unpermute(values.cpu(), main.partition), path);
      out << "Wrote " << path << " (" << values.size(0) << " nodes, original order)\n";
    }
  }

  out << "Median epoch " << fixed(1000 * result.median_epoch_seconds, 1) << " ms (train + eval), total "
      << fixed(result.total_seconds, 1) << " s, peak RSS " << fixed(result.peak_rss_mb, 0) << " MiB ("
      << fixed(result.train_peak_rss_mb, 0) << " MiB in training)\n";
  out << "Mini Acc: " << fixed(result.mean, 2) << " \u00b1 " << fixed(result.std, 2) << "\n";

  nlohmann::json j;
  j["config"] = nlohmann::json::parse(config.to_json());
  j["metric"] = result.metric;
  j["runs"] = nlohmann::json::array();
  for (const auto& r : result.runs)
    j["runs"].push_back({{"run", r.run},
                         {"seed", r.seed},
                         {"best_val", 100 * r.best_val},
                         {"test", 100 * r.test},
                         {"best_epoch", r.best_epoch}});
  j["mean"] = result.mean;
  j["std"] = result.std;
  j["epochs"] = s.epochs;
  j["total_s"] = result.total_seconds;
  j["median_epoch_s"] = result.median_epoch_seconds;
  j["load_s"] = load_seconds;
  j["partition_s"] = partition_seconds;
  j["peak_rss_mb"] = result.peak_rss_mb;
  j["train_peak_rss_mb"] = result.train_peak_rss_mb;
  j["static_data_mb"] = static_bytes / 1048576.0;
  j["history_mb"] = model->histories().nbytes() / 1048576.0;
  j["num_nodes"] = train_data.num_nodes();
  j["gas_version"] = GAS_VERSION;
  j["device"] = s.device.str();
  j["threads"] = at::get_num_threads();
  j["huge_pages"] = malloc_uses_huge_pages();
  j["history_io"] = model->histories().transport().name();
  reporter->summary(j);
  if (!s.json.empty()) out << "Results written to " << s.json << "\n";
  if (!s.out_dir.empty()) out << "Run directory: " << s.out_dir << "\n";
  return result;
}

}  // namespace gas
