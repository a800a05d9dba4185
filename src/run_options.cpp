#include <gas/run_options.h>

#include <gas/ops/devices.h>

#include "util/strings.h"
#include "util/system.h"

#include <torch/cuda.h>

#include <algorithm>
#include <cstdlib>
#include <cctype>
#include <limits>
#include <sstream>

namespace gas {
namespace {

using Scope = RunKey::Scope;

std::string show(int64_t v) { return std::to_string(v); }
std::string show(bool v) { return v ? "true" : "false"; }
std::string show(const std::string& v) { return v.empty() ? "none" : v; }
std::string show(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

const ConfigNode& node_of(Scope scope, const ConfigNode& top, const ConfigNode& block) {
  return scope == Scope::Block ? block : top;
}

constexpr int64_t kNoMinimum = std::numeric_limits<int64_t>::min();

// An integer; a Both key is read from the block, then from the top level,
// which overrides it (the command line's runs= and epochs=).
RunKey int_key(std::string name, Scope scope, int64_t RunOptions::*field, int64_t minimum, std::string help) {
  const std::string type = minimum == kNoMinimum ? "int" : "int >= " + std::to_string(minimum);
  return {name, scope, type, std::move(help), [field](const RunOptions& o) { return show(o.*field); },
          [name, scope, field, minimum](const ConfigNode& top, const ConfigNode& block, RunOptions& o) {
            auto read = [&](const ConfigNode& node) {
              o.*field = minimum == kNoMinimum ? node.get_int(name, o.*field)
                                               : node.get_int_at_least(name, o.*field, minimum);
            };
            if (scope == Scope::Both) read(block);
            read(node_of(scope, top, block));
          }};
}

// A number >= 0, or > 0 with `positive`.
RunKey number_key(std::string name, Scope scope, double RunOptions::*field, bool positive, std::string help) {
  return {name, scope, positive ? "number > 0" : "number >= 0", std::move(help),
          [field](const RunOptions& o) { return show(o.*field); },
          [name, scope, field, positive](const ConfigNode& top, const ConfigNode& block, RunOptions& o) {
            const ConfigNode& node = node_of(scope, top, block);
            o.*field = node.get_double(name, o.*field);
            if (positive ? !(o.*field > 0) : !(o.*field >= 0))
              node.fail(name, std::string(positive ? "must be positive" : "must be >= 0") + ", got " +
                                  show(o.*field));
          }};
}

// A number in [0, 1], or [0, 1) with `open`.
RunKey fraction_key(std::string name, Scope scope, double RunOptions::*field, bool open, std::string help) {
  const std::string range = open ? "[0, 1)" : "[0, 1]";
  return {name, scope, "number in " + range, std::move(help), [field](const RunOptions& o) { return show(o.*field); },
          [name, scope, field, open, range](const ConfigNode& top, const ConfigNode& block, RunOptions& o) {
            const ConfigNode& node = node_of(scope, top, block);
            o.*field = node.get_double(name, o.*field);
            if (!(o.*field >= 0 && (open ? o.*field < 1 : o.*field <= 1)))
              node.fail(name, "must be in " + range + ", got " + show(o.*field));
          }};
}

RunKey bool_key(std::string name, Scope scope, bool RunOptions::*field, std::string help) {
  return {name, scope, "bool", std::move(help), [field](const RunOptions& o) { return show(o.*field); },
          [name, scope, field](const ConfigNode& top, const ConfigNode& block, RunOptions& o) {
            o.*field = node_of(scope, top, block).get_bool(name, o.*field);
          }};
}

RunKey string_key(std::string name, Scope scope, std::string type, std::string RunOptions::*field, std::string help) {
  return {name, scope, std::move(type), std::move(help), [field](const RunOptions& o) { return show(o.*field); },
          [name, scope, field](const ConfigNode& top, const ConfigNode& block, RunOptions& o) {
            o.*field = node_of(scope, top, block).get_string(name, o.*field);
          }};
}

// One of `choices`, mapped onto the options by `set`.
RunKey choice_key(std::string name, Scope scope, std::vector<std::string> choices, std::string help,
                  std::function<std::string(const RunOptions&)> get,
                  std::function<void(RunOptions&, const std::string&)> set) {
  std::string type;
  for (const std::string& c : choices) type += (type.empty() ? "" : " | ") + c;
  return {name, scope, type, std::move(help), get,
          [name, scope, choices, get, set](const ConfigNode& top, const ConfigNode& block, RunOptions& o) {
            set(o, node_of(scope, top, block).get_choice(name, get(o), choices));
          }};
}

RunKey choice_key(std::string name, Scope scope, std::vector<std::string> choices, std::string RunOptions::*field,
                  std::string help) {
  return choice_key(
      std::move(name), scope, std::move(choices), std::move(help), [field](const RunOptions& o) { return o.*field; },
      [field](RunOptions& o, const std::string& v) { o.*field = v; });
}

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

// FNV-1a of the dataset's options: stable across builds, unlike std::hash.
std::string cache_key(const std::string& dataset, const ConfigNode& data) {
  if (data.keys().empty()) return dataset;
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : data.to_yaml()) h = (h ^ c) * 1099511628211ull;
  std::ostringstream key;
  key << dataset << "-" << std::hex << h;
  return key.str();
}

std::vector<RunKey> make_keys() {
  const auto top = Scope::Top, block = Scope::Block, both = Scope::Both;
  std::vector<RunKey> keys;
  keys.push_back(string_key("model", top, "name", &RunOptions::model,
                            "the model file configs/<suite>/NAME.yaml; models: " + util::join(models::model_names())));
  keys.push_back(string_key("dataset", top, "name", &RunOptions::dataset,
                            "the dataset, and the file's block of parameters for it; datasets: " +
                                util::join(dataset_names()) + ", synthetic-<label>"));
  keys.push_back(string_key("root", top, "dir", &RunOptions::root,
                            "dataset root in PyG's layout, e.g. DIR/Planetoid/Cora/raw"));
  keys.push_back({"device", top, "auto | cpu | cuda | cuda:N | N",
                  "where the model runs; auto: CUDA where this build has CUDA kernels and a device is present",
                  [](const RunOptions& o) { return o.device_name; },
                  [](const ConfigNode& top, const ConfigNode&, RunOptions& o) {
                    o.device_name = top.get_string("device", o.device_name);
                    o.device = resolve_device(top, o.device_name);
                  }});
  keys.push_back(int_key("runs", both, &RunOptions::runs, 1,
                         "independent runs (run r uses seed + r); the top level overrides the block"));
  keys.push_back(int_key("epochs", both, &RunOptions::epochs, 1, "epochs per run; the top level overrides the block"));
  keys.push_back(int_key("seed", top, &RunOptions::seed, kNoMinimum, "seed of the first run"));
  keys.push_back({"json", top, "file", "also write the results (summary.json's content) to FILE",
                  [](const RunOptions& o) { return show(o.json); },
                  [](const ConfigNode& top, const ConfigNode&, RunOptions& o) {
                    o.json = top.get_string("json", o.json);
                    if (o.json.empty()) return;
                    const size_t slash = o.json.rfind('/');
                    const std::string dir =
                        slash == std::string::npos ? "." : o.json.substr(0, std::max<size_t>(slash, 1));
                    if (!util::is_directory(dir)) top.fail("json", "directory '" + dir + "' does not exist");
                  }});
  keys.push_back(string_key("out_dir", top, "dir", &RunOptions::out_dir,
                            "write a run directory: config.yaml, metrics.jsonl, summary.json, exports"));
  keys.push_back({"export", top, "list of logits | predictions | embeddings",
                  "with out_dir: those outputs of the last run's best epoch, in the original node order",
                  [](const RunOptions&) { return std::string("none"); },
                  [](const ConfigNode& top, const ConfigNode&, RunOptions& o) {
                    if (!top.has("export")) return;
                    try {  // a single name or a list of them
                      o.exports = {top.get_string("export")};
                    } catch (const ConfigError&) {
                      o.exports = top.get_string_list("export", {});
                    }
                    for (const std::string& e : o.exports)
                      if (e != "logits" && e != "predictions" && e != "embeddings")
                        top.fail("export", "unknown output '" + e + "' (valid: logits, predictions, embeddings)");
                    if (o.out_dir.empty()) top.fail("export", "needs out_dir=DIR to write to");
                  }});
  keys.push_back(choice_key("on_nonfinite", top, {"stop", "skip"}, &RunOptions::on_nonfinite,
                            "a non-finite loss or gradient: stop the run naming the batch, or skip that step "
                            "(counted in the log and summary)"));
  keys.push_back({"checkpoint_dir", top, "dir",
                  "write DIR/checkpoint.gas (model, optimiser, histories, random state, progress) atomically "
                  "every checkpoint_every epochs and when SIGINT/SIGTERM stops the run",
                  [](const RunOptions& o) { return show(o.checkpoint_dir); },
                  [](const ConfigNode& top, const ConfigNode&, RunOptions& o) {
                    o.checkpoint_dir = top.get_string("checkpoint_dir", o.checkpoint_dir);
                  }});
  keys.push_back({"checkpoint_every", top, "int >= 1", "with checkpoint_dir, epochs between checkpoints",
                  [](const RunOptions& o) { return show(o.checkpoint_every); },
                  [](const ConfigNode& top, const ConfigNode&, RunOptions& o) {
                    o.checkpoint_every = top.get_int_at_least("checkpoint_every", o.checkpoint_every, 1);
                    if (top.has("checkpoint_every") && o.checkpoint_dir.empty())
                      o.warnings.push_back(top.where("checkpoint_every") + ": has no effect without checkpoint_dir");
                  }});
  keys.push_back({"resume", top, "dir",
                  "continue from DIR/checkpoint.gas; refused when it was written for another model, dataset, "
                  "partition or configuration",
                  [](const RunOptions& o) { return show(o.resume); },
                  [](const ConfigNode& top, const ConfigNode&, RunOptions& o) {
                    o.resume = top.get_string("resume", o.resume);
                    if (!o.resume.empty() && !util::is_file(o.resume + "/checkpoint.gas"))
                      top.fail("resume", "no checkpoint '" + o.resume + "/checkpoint.gas'");
                  }});
  keys.push_back({"dist_timeout", top, "seconds > 0",
                  "with several processes (torchrun, gas_launch): the longest any rank waits for the others, at "
                  "start and in every collective; a rank that died or stopped makes the others fail within it",
                  [](const RunOptions& o) { return show(o.dist_timeout); },
                  [](const ConfigNode& top, const ConfigNode&, RunOptions& o) {
                    o.dist_timeout = top.get_double("dist_timeout", o.dist_timeout);
                    if (!(o.dist_timeout > 0)) top.fail("dist_timeout", "expected a positive number of seconds");
                    for (const char* key : {"dist_timeout", "halo_refresh"})
                      if (top.has(key) && std::getenv("WORLD_SIZE") == nullptr)
                        o.warnings.push_back(top.where(key) + ": has no effect in a single process (WORLD_SIZE is "
                                                              "not set: start the run with gas_launch or torchrun)");
                  }});
  keys.push_back({"shards", top, "dir",
                  "with several processes: each reads its own shard of the graph from DIR (gas_data partition "
                  "... out=DIR) instead of loading and partitioning the whole dataset",
                  [](const RunOptions& o) { return show(o.shards); },
                  [](const ConfigNode& top, const ConfigNode&, RunOptions& o) {
                    o.shards = top.get_string("shards", o.shards);
                    if (!o.shards.empty() && !util::is_file(o.shards + "/shards.json"))
                      top.fail("shards", "no '" + o.shards + "/shards.json' (write the shards with gas_data partition "
                                         "... out=DIR)");
                  }});
  keys.push_back(choice_key("halo_refresh", top, {"epoch", "step", "pipelined"}, &RunOptions::halo_refresh,
                            "with several processes: when a rank copies the history rows of its halo from their "
                            "owners during training: after each epoch (an evaluation refreshes them layer by layer "
                            "anyway), after each step, or pipelined (sent after each step, landed a step later)"));
  keys.push_back(choice_key("export_format", top, {"npy", "csv"}, &RunOptions::export_format,
                            "file format of the exports (csv has a node_id column)"));
  // Debian's LibTorch starts with one intra-op thread whatever the machine has.
  keys.push_back(int_key("threads", top, &RunOptions::threads, 0,
                         "intra-op threads; 0: one per core not taken by loader workers"));
  keys.push_back(int_key("log_every", top, &RunOptions::log_every, 0, "print every N-th epoch; 0: run summaries only"));
  keys.push_back(bool_key("profile", top, &RunOptions::profile,
                          "break every epoch's time down (waiting for batches, compute, history I/O, step); the CUDA "
                          "transports' copies are timed on the device with events"));
  keys.push_back(bool_key("staleness", top, &RunOptions::staleness,
                          "after every epoch's last batch, compare the history rows batches pull with the exact "
                          "embeddings of the same weights (error and age per history; one extra full-graph pass)"));
  keys.push_back(bool_key("norm", top, &RunOptions::norm, "GCN-normalise the adjacency (with self-loops)"));
  keys.push_back(bool_key("loop", top, &RunOptions::loop, "add self-loops (without norm)"));

  keys.push_back({"architecture", block, "mapping", "the model's options (see Models)",
                  [](const RunOptions&) { return std::string(); },
                  [](const ConfigNode&, const ConfigNode& block, RunOptions& o) {
                    o.build_model = models::model_from_config(o.model, block.child("architecture"));
                  }});
  keys.push_back({"data", block, "mapping", "dataset options (synthetic sizes; `symmetrize` and `mmap` for custom graphs, `mmap` for Flickr)",
                  [](const RunOptions&) { return std::string(); },
                  [](const ConfigNode&, const ConfigNode& block, RunOptions& o) {
                    o.load_data = dataset_from_config(o.dataset, block.child("data"));
                    o.cache_key = cache_key(o.dataset, block.child("data"));
                  }});
  keys.push_back({"num_parts", block, "int >= 1 | auto", "METIS parts; auto: one per part_size nodes",
                  [](const RunOptions& o) { return o.num_parts == 0 ? std::string("auto") : show(o.num_parts); },
                  [](const ConfigNode&, const ConfigNode& block, RunOptions& o) {
                    try {
                      o.num_parts = block.get_int_at_least("num_parts", o.num_parts, 1);
                    } catch (const ConfigError&) {
                      if (block.get_string("num_parts") != "auto") throw;
                      o.num_parts = 0;
                    }
                  }});
  keys.push_back({"part_size", block, "int >= 1", "with num_parts: auto, nodes per part",
                  [](const RunOptions& o) { return show(o.part_size); },
                  [](const ConfigNode&, const ConfigNode& block, RunOptions& o) {
                    o.part_size = block.get_int_at_least("part_size", o.part_size, 1);
                    if (block.has("part_size") && o.num_parts != 0)
                      o.warnings.push_back(block.where("part_size") + ": has no effect without num_parts: auto");
                  }});
  keys.push_back(int_key("batch_size", block, &RunOptions::batch_size, 1, "parts per minibatch"));
  keys.push_back(int_key("num_workers", block, &RunOptions::num_workers, 0, "background threads building batches"));
  keys.push_back(int_key("max_steps", block, &RunOptions::max_steps, 0,
                         "at most this many batches per epoch (PyGAS's meaning); 0: all"));
  keys.push_back(int_key("eval_every", block, &RunOptions::eval_every, 1, "evaluate every N-th epoch"));
  keys.push_back({"precompute", block, "bool", "build the batches once (fixed groups, order shuffled)",
                  [](const RunOptions&) { return std::string("when batch_size is 1"); },
                  [](const ConfigNode&, const ConfigNode& block, RunOptions& o) {
                    if (block.has("precompute")) o.precompute = block.get_bool("precompute", false);
                  }});
  keys.push_back(number_key("lr", block, &RunOptions::lr, true, "Adam's learning rate"));
  keys.push_back(number_key("reg_weight_decay", block, &RunOptions::reg_weight_decay, false,
                            "weight decay of the regularised parameter group (the paper's)"));
  keys.push_back(number_key("nonreg_weight_decay", block, &RunOptions::nonreg_weight_decay, false,
                            "weight decay of the other group"));
  keys.push_back({"grad_norm", block, "number > 0 | null", "clip the gradients' norm; null: no clipping",
                  [](const RunOptions& o) { return o.grad_norm ? show(*o.grad_norm) : std::string("null"); },
                  [](const ConfigNode&, const ConfigNode& block, RunOptions& o) {
                    o.grad_norm = block.get_optional_double("grad_norm");
                    if (o.grad_norm && !(*o.grad_norm > 0)) block.fail("grad_norm", "must be positive or null");
                  }});
  keys.push_back(choice_key(
      "partition", block, {"metis", "metis_recursive", "random", "range"},
      "how the graph is cut into parts (range: consecutive node ids, no reordering)",
      [](const RunOptions& o) { return to_string(o.partition); },
      [](RunOptions& o, const std::string& v) { o.partition = parse_partition_method(v); }));
  keys.push_back(choice_key(
      "inference", block, {"full", "layerwise"}, "evaluation: a full-batch forward, or the layer splitter",
      [](const RunOptions& o) { return std::string(o.layerwise ? "layerwise" : "full"); },
      [](RunOptions& o, const std::string& v) { o.layerwise = v == "layerwise"; }));
  keys.push_back({"inference_output", block, "device | host",
                  "with inference=layerwise, where its output is written: the model's device or (pinned) host memory",
                  [](const RunOptions& o) { return std::string(o.inference_output_on_host ? "host" : "device"); },
                  [](const ConfigNode&, const ConfigNode& block, RunOptions& o) {
                    const std::string v = block.get_choice("inference_output", o.inference_output_on_host ? "host" : "device",
                                                           {"device", "host"});
                    o.inference_output_on_host = v == "host";
                    if (block.has("inference_output") && !o.layerwise)
                      o.warnings.push_back(block.where("inference_output") +
                                           ": has no effect without inference=layerwise");
                  }});
  keys.push_back(bool_key("fill_history", block, &RunOptions::fill_history,
                          "fill the histories by a full-graph evaluation before the first step"));
  keys.push_back(bool_key("eval_refresh", block, &RunOptions::eval_refresh,
                          "evaluation writes its exact embeddings into the histories (PyGAS's small benchmark); "
                          "false leaves them as training wrote them"));
  keys.push_back(int_key("refresh_every", block, &RunOptions::refresh_every, 0,
                         "an extra forward-only refresh of every history (the evaluation's pass) after every N "
                         "batches, REST-like; 0: none"));
  keys.push_back({"refresh_mode", block, "eval | train",
                  "refresh_every's pass in eval mode (exact), or in training mode (dropout as training pushes "
                  "rows, no gradients)",
                  [](const RunOptions& o) { return std::string(o.refresh_training ? "train" : "eval"); },
                  [](const ConfigNode&, const ConfigNode& block, RunOptions& o) {
                    o.refresh_training = block.get_choice("refresh_mode", "eval", {"eval", "train"}) == "train";
                    if (block.has("refresh_mode") && o.refresh_every == 0)
                      o.warnings.push_back(block.where("refresh_mode") + ": has no effect without refresh_every");
                  }});
  keys.push_back(fraction_key("history_momentum", block, &RunOptions::history_momentum, /*open=*/true,
                              "a training push writes m * old + (1 - m) * new (PipeGCN's smoothing); 0: overwrite"));
  keys.push_back(fraction_key("ob_momentum", block, &RunOptions::ob_momentum, /*open=*/false,
                              "GraphFM-OB: before each pull, out-of-batch rows <- gamma * (layer of their in-batch "
                              "messages) + (1 - gamma) * rows; 0: off (GCN without residual)"));
  keys.push_back(choice_key("history", block, {"host", "device", "mmap"}, &RunOptions::history,
                            "where history rows live: host memory (pinned with CUDA), the model's device, or "
                            "memory-mapped files (histories larger than RAM)"));
  keys.push_back(choice_key("history_dtype", block, {"float32", "float16", "bfloat16"}, &RunOptions::history_dtype,
                            "how history rows are stored: half precision halves their memory and traffic"));
  keys.push_back({"history_dir", block, "dir",
                  "with history=mmap, keep the histories as DIR/history<i>.npy (numpy-readable); unset: unnamed "
                  "temporary files",
                  [](const RunOptions& o) { return show(o.history_dir); },
                  [](const ConfigNode&, const ConfigNode& block, RunOptions& o) {
                    o.history_dir = block.get_string("history_dir", o.history_dir);
                    if (!o.history_dir.empty() && o.history != "mmap")
                      block.fail("history_dir", "needs history=mmap (history is " + o.history + ")");
                  }});
  keys.push_back(choice_key("history_io", block, {"sync", "async", "staged", "uva"}, &RunOptions::history_io,
                            "history transfers: in the training thread, by a pool of threads, or (CUDA) staged "
                            "through pinned buffers or read in place by a kernel, on side streams"));
  // PyGAS's number of transfers in flight; here the threads that move rows.
  keys.push_back({"pool_size", block, "int >= 1", "with history_io: async or staged, the threads moving rows",
                  [](const RunOptions& o) { return show(o.pool_size); },
                  [](const ConfigNode&, const ConfigNode& block, RunOptions& o) {
                    o.pool_size = block.get_int_at_least("pool_size", o.pool_size, 1);
                    if (block.has("pool_size") && o.history_io != "async" && o.history_io != "staged")
                      o.warnings.push_back(block.where("pool_size") +
                                           ": has no effect without history_io=async or staged");
                  }});
  keys.push_back(bool_key("cache_partition", block, &RunOptions::cache_partition,
                          "cache partitions under root/processed/gas"));
  keys.push_back(choice_key("sparse_features", block, {"auto", "true", "false"}, &RunOptions::sparse_features,
                            "keep bag-of-words features sparse; auto: below 10% density, for models whose first "
                            "step is a linear map"));
  return keys;
}

// A table cell: '|' would end it.
std::string cell(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

std::string where_of(Scope scope) { return scope == Scope::Top ? "top" : scope == Scope::Block ? "block" : "both"; }

}  // namespace

const std::vector<RunKey>& run_keys() {
  static const std::vector<RunKey> keys = make_keys();
  return keys;
}

RunOptions RunOptions::from_config(const ConfigNode& config) {
  RunOptions o;
  // The block is chosen by the dataset, so that key is known first.
  const ConfigNode block = config.child("params").child(config.get_string("dataset", o.dataset));
  o.params = block;
  for (const RunKey& key : run_keys()) key.read(config, block, o);
  config.check_unknown();
  return o;
}

std::string key_table_markdown() {
  const RunOptions defaults;
  std::ostringstream out;
  out << "| key | where | type | default | meaning |\n|---|---|---|---|---|\n";
  for (const RunKey& key : run_keys()) {
    const std::string d = key.show_default(defaults);
    out << "| `" << key.name << "` | " << where_of(key.scope) << " | " << cell(key.type) << " | "
        << (d.empty() ? "" : "`" + d + "`") << " | " << key.help << " |\n";
  }
  return out.str();
}

std::string key_help() {
  const RunOptions defaults;
  std::ostringstream out;
  for (const bool top : {true, false}) {
    out << (top ? "Keys (key=VALUE):\n" : "\nKeys of the dataset's block (params.KEY=VALUE):\n");
    for (const RunKey& key : run_keys()) {
      if ((key.scope == Scope::Block) == top) continue;
      const std::string d = key.show_default(defaults);
      std::string head = "  " + key.name + "=" + key.type;
      head += head.size() < 34 ? std::string(34 - head.size(), ' ') : "\n" + std::string(34, ' ');
      out << head << key.help << (d.empty() ? "" : " [" + d + "]") << "\n";
    }
  }
  return out.str();
}

}  // namespace gas
