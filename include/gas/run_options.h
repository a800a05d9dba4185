#pragma once
/// \file
/// The options of a benchmark run, typed and validated once, and the one
/// table of their keys.
///
/// Every key a run accepts has one row in run_keys(): its name, where it
/// stands (top level or the dataset's block), its type, its default and a
/// line of help. RunOptions::from_config reads the configuration through
/// the rows, the benchmarks' --help prints them (key_help()), and the
/// README's key table is key_table_markdown(), so the three cannot drift.
/// The defaults are RunOptions' member initialisers: the table shows them,
/// it does not repeat them.

#include <gas/config.h>
#include <gas/datasets/registry.h>
#include <gas/history/storage.h>
#include <gas/macros.h>
#include <gas/models/registry.h>
#include <gas/partition.h>

#include <c10/core/Device.h>
#include <gas/compat.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gas {

/// Everything a run needs, read from a composed configuration.
struct GAS_API RunOptions {
  // Top level.
  std::string model = "gcn";
  std::string dataset = "synthetic";
  std::string root = "data";
  std::string device_name = "auto";
  c10::Device device = c10::Device(c10::kCPU);  ///< device_name resolved on this machine
  int64_t runs = 1, epochs = 200, seed = 0;
  std::string json, out_dir;
  std::vector<std::string> exports;  ///< logits, predictions, embeddings
  std::string export_format = "npy";
  int64_t threads = 0, log_every = 1;
  bool profile = false, norm = false, loop = false;
  bool staleness = false;  ///< measure the histories' staleness every epoch (gas/staleness.h)
  std::string on_nonfinite = "stop";  ///< stop | skip
  std::string checkpoint_dir, resume;
  int64_t checkpoint_every = 1;
  double dist_timeout = 60.0;            ///< seconds
  std::string halo_refresh = "epoch";  ///< epoch | step | pipelined
  std::string shards;                  ///< a shard set to read instead of the dataset

  // The dataset's block (params.<dataset>).
  models::ModelBuilder build_model;  ///< from `architecture`
  DatasetLoader load_data;           ///< from `data`
  std::string cache_key;             ///< the dataset, and a hash of its `data` options when it has some
  int64_t num_parts = 1;             ///< 0: auto, one part per part_size nodes
  int64_t part_size = 1000;
  int64_t batch_size = 1, num_workers = 0, max_steps = 0, eval_every = 1;
  gas::optional<bool> precompute;  ///< unset: the loader decides (when batch_size is 1)
  double lr = 0.01, reg_weight_decay = 0.0, nonreg_weight_decay = 0.0;
  std::optional<double> grad_norm;
  PartitionMethod partition = has_metis() ? PartitionMethod::Metis : PartitionMethod::Random;
  bool layerwise = false, fill_history = true, cache_partition = true;
  // Beyond plain GAS (gas/staleness.h, gas/refresh_schedule.h, HistoryStore, ScalableGNN).
  bool eval_refresh = true;        ///< evaluation rewrites the histories (PyGAS's small benchmark)
  int64_t refresh_every = 0;       ///< an extra refresh pass every N batches; 0: none
  bool refresh_training = false;   ///< refresh_mode=train: that pass in training mode
  double history_momentum = 0.0;   ///< push momentum (PipeGCN's smoothing)
  double ob_momentum = 0.0;        ///< GraphFM-OB's out-of-batch momentum gamma
  bool inference_output_on_host = false;  ///< inference_output=host
  std::string history = "host";  ///< host, device or mmap: HistoryBackendOptions::placement
  std::string history_dtype = "float32";  ///< float32, float16 or bfloat16
  std::string history_dir;                ///< history=mmap: where the .npy files go (empty: unnamed temporary files)
  std::string history_io = "sync";  ///< the transport: sync, async, staged or uva (history/transport.h)
  int64_t pool_size = 1;  ///< worker threads of the async and staged transports
  std::string sparse_features = "auto";

  /// The dataset's block itself, for messages naming its keys.
  ConfigNode params;
  /// Keys that are set but change nothing, as "where: why".
  std::vector<std::string> warnings;

  /// Reads and validates every key of `config` (from compose_config);
  /// throws ConfigError naming the first problem, and for any key no row
  /// reads.
  static RunOptions from_config(const ConfigNode& config);
  /// The adjacency transform norm and loop ask for (transform_adjacency's name).
  std::string adjacency_transform() const { return norm ? "gcn_norm" : loop ? "self_loops" : "none"; }
};

/// One row of the key table.
struct GAS_API RunKey {
  enum class Scope { Top, Block, Both };
  std::string name;
  Scope scope;
  std::string type;  ///< as the help shows it: "int >= 1", "metis | random", ...
  std::string help;
  /// The default, shown from a default RunOptions.
  std::function<std::string(const RunOptions&)> show_default;
  /// Reads the key from the top level and/or the dataset's block into the options.
  std::function<void(const ConfigNode& top, const ConfigNode& block, RunOptions&)> read;
};

/// Every key a run accepts, top-level keys first, in the order they are read.
GAS_API const std::vector<RunKey>& run_keys();

/// The table as the README shows it (Markdown).
GAS_API std::string key_table_markdown();
/// The table as --help shows it.
GAS_API std::string key_help();

}  // namespace gas
