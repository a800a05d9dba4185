#include <gas/experiment.h>

#include <gas/build_info.h>
#include <gas/checkpoint.h>
#include <gas/datasets/registry.h>
#include <gas/datasets/shards.h>
#include <gas/distributed/data_parallel.h>
#include <gas/distributed/shard.h>
#include <gas/export.h>
#include <gas/interrupt.h>
#include <gas/large_block_cache.h>
#include <gas/layerwise.h>
#include <gas/loader.h>
#include <gas/metrics.h>
#include <gas/models/registry.h>
#include <gas/ops/devices.h>
#include <gas/partition.h>
#include <gas/partition_cache.h>
#include <gas/process.h>
#include <gas/refresh_schedule.h>
#include <gas/run_options.h>
#include <gas/sparse_features.h>
#include <gas/staleness.h>
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
#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iomanip>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <thread>

namespace gas {
namespace {

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
  std::unique_ptr<dist::HaloExchange> halo;  // a rank's: its halo rows' owners (data-parallel jobs)
};

PartitionedGraph prepare_graph(const RunOptions& s, Dataset data, const std::string& label, int64_t num_parts,
                               std::ostream& out) {
  data.adj = transform_adjacency(data.adj, s.adjacency_transform());
  num_parts = std::min(num_parts, data.num_nodes());
  const double t = util::now_seconds();
  out << "Partitioning " << label << " into " << num_parts << " parts (" << to_string(s.partition) << ")..."
      << std::flush;
  Partition partition;
  // The cache lives under the dataset root, which is never created here.
  if (s.cache_partition && util::is_directory(s.root)) {
    PartitionCacheInfo info;
    partition = cached_partition(data.adj, num_parts, s.partition, s.seed, s.root + "/processed/gas",
                                 s.cache_key + (label == "graph" ? "" : "-" + label), &info);
    out << (info.hit ? " cached" : " done") << " [" << seconds_since(t) << "]";
    if (!info.hit && !info.note.empty()) out << " (cache: " << info.note << ")";
  } else {
    partition = partition_graph(data.adj, num_parts, s.partition, s.seed);
    out << " done [" << seconds_since(t) << "]";
  }
  out << ", edge cut " << fixed(edge_cut_percent(data.adj, partition), 1) << "%\n";
  PartitionedGraph g;
  g.label = label;
  g.data = data.permute(partition.perm);
  g.partition = partition;
  if (s.layerwise) g.eval = std::make_unique<EvalSubgraphLoader>(g.data.adj, partition.ptr, s.batch_size);
  return g;
}

// Rows of `permuted` (in the order of partition permutation `perm`) put back
// in original node order.
at::Tensor unpermute(const at::Tensor& permuted, const at::Tensor& perm) {
  return at::empty_like(permuted).index_copy_(0, perm, permuted);
}

// The run directory (out_dir): written under a temporary name beside it
// and moved into place when the run ends, finished or stopped by a signal,
// so that a run that fails never replaces an existing directory; a failed
// run's files stay in the temporary one.
class RunDirectory {
 public:
  explicit RunDirectory(std::string path)
      : path_(std::move(path)), staging_(path_.empty() ? "" : path_ + ".partial." + std::to_string(getpid())) {
    if (!path_.empty()) util::make_directories(staging_);
  }
  bool enabled() const { return !path_.empty(); }
  /// Where `name` is written now, and where it ends up.
  std::string staged(const std::string& name) const { return staging_ + "/" + name; }
  std::string final(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }
  void publish() {
    if (enabled() && !published_) util::replace_directory(staging_, path_);
    published_ = true;
  }

 private:
  std::string path_, staging_;
  bool published_ = false;
};

// Where results go: the progress lines, the run directory's metrics.jsonl,
// and the summary (summary.json, json=FILE). A hook of the Trainer, it sees
// every epoch, and keeps their times for the summary. Its record (the
// metrics lines, epoch times, skipped steps) travels in checkpoints.
class Reporter : public TrainHook {
 public:
  Reporter(const RunOptions& s, const ConfigNode& config, RunDirectory& dir, std::ostream& out)
      : s_(s), dir_(dir), out_(out) {
    if (!dir.enabled()) return;
    util::write_file_atomic(dir.staged("config.yaml"), config.to_yaml() + "\n");
    metrics_.open(dir.staged("metrics.jsonl"), std::ios::trunc);
    if (!metrics_)
      throw std::runtime_error("cannot write '" + dir.staged("metrics.jsonl") + "': " + util::errno_message());
  }

  nlohmann::json state() const { return {{"lines", lines_}, {"epoch_seconds", epoch_seconds_}, {"skipped", skipped_}}; }
  // A resumed run: the epochs before the checkpoint, as they were reported.
  void restore(const nlohmann::json& j) {
    lines_ = j.at("lines").get<std::vector<std::string>>();
    epoch_seconds_ = j.at("epoch_seconds").get<std::vector<double>>();
    skipped_ = j.at("skipped").get<int64_t>();
    if (metrics_.is_open())
      for (const std::string& line : lines_) metrics_ << line << "\n";
    metrics_.flush();
  }
  int64_t skipped_steps() const { return skipped_; }

  /// Set when the run measures staleness or refreshes on a schedule.
  std::shared_ptr<StalenessMonitor> staleness;
  std::shared_ptr<RefreshSchedule> refresh;

  // The summary's record of both.
  void summarise_extras(nlohmann::json& j) const {
    if (refresh)
      j["refresh"] = {{"every", s_.refresh_every},
                      {"mode", s_.refresh_training ? "train" : "eval"},
                      {"passes", refresh->passes()},
                      {"seconds", refresh->seconds()}};
    if (!staleness) return;
    const StalenessByAge& a = staleness->by_age();
    nlohmann::json layers = nlohmann::json::array();
    for (size_t l = 0; l < a.rows.size(); ++l) {
      nlohmann::json buckets = nlohmann::json::array();
      for (size_t b = 0; b < a.rows[l].size(); ++b) {
        const double error = a.error(l, b);
        buckets.push_back({{"rows", a.rows[l][b]}, {"error", std::isnan(error) ? nlohmann::json() : nlohmann::json(error)}});
      }
      layers.push_back(buckets);
    }
    j["staleness"] = {{"age_bounds", StalenessByAge::age_bounds()}, {"by_age", layers}, {"seconds", staleness->seconds()},
                      {"measurements", staleness->records().size()}};
  }

  void end_epoch(const EpochRecord& e, const RunResult& best) override {
    const TrainEpochStats& t = e.train;
    epoch_seconds_.push_back(t.seconds + e.eval_seconds);
    skipped_ += t.skipped_steps;
    {
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
      if (t.h2d_seconds >= 0) j["h2d_s"] = t.h2d_seconds;
      if (t.d2h_seconds >= 0) j["d2h_s"] = t.d2h_seconds;
      if (t.skipped_steps > 0) j["skipped_steps"] = t.skipped_steps;
      if (const StalenessRecord* r = measured(e)) {
        j["staleness"] = nlohmann::json::array();
        for (const StalenessLayer& l : r->layers) j["staleness"].push_back({{"error", l.error}, {"age", l.mean_age}});
      }
      if (e.evaluated) {
        j["train"] = 100 * e.train_metric;
        j["val"] = 100 * e.val_metric;
        j["test"] = 100 * e.test_metric;
      }
      lines_.push_back(j.dump());
      if (metrics_.is_open()) metrics_ << lines_.back() << "\n" << std::flush;
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
    if (t.skipped_steps > 0) out_ << ", " << t.skipped_steps << " steps skipped (non-finite)";
    if (const StalenessRecord* r = measured(e)) {
      out_ << "  | stale";
      for (size_t l = 0; l < r->layers.size(); ++l)
        out_ << " h" << l << " " << fixed(r->layers[l].error, 3) << " (age " << fixed(r->layers[l].mean_age, 1) << ")";
    }
    if (s_.profile) {
      const double compute = t.forward_seconds + t.backward_seconds - t.pull_seconds - t.push_seconds;
      out_ << "  [wait " << fixed(1000 * t.wait_seconds, 1) << ", compute " << fixed(1000 * compute, 1) << ", pull "
           << fixed(1000 * t.pull_seconds, 1) << ", push " << fixed(1000 * t.push_seconds, 1) << ", step "
           << fixed(1000 * t.step_seconds, 1) << " ms]";
      // The side streams' copies, timed on the device (they overlap the above).
      if (t.h2d_seconds >= 0 || t.d2h_seconds >= 0)
        out_ << "  [device h2d " << fixed(1000 * std::max(t.h2d_seconds, 0.0), 1) << ", d2h "
             << fixed(1000 * std::max(t.d2h_seconds, 0.0), 1) << " ms]";
    }
    out_ << std::endl;  // flushed: long runs are followed through pipes and files
  }

  void end_run(const RunResult& r) override {
    out_ << "run " << r.run + 1 << "/" << s_.runs << " (seed " << s_.seed + r.run << "): best val "
         << fixed(100 * r.best_val, 2) << " at epoch " << r.best_epoch << ", test " << fixed(100 * r.test, 2)
         << std::endl;
  }

  /// Training plus evaluation, of every epoch so far.
  const std::vector<double>& epoch_seconds() const { return epoch_seconds_; }

  // The summary, then the run directory moved into place.
  void summary(const nlohmann::json& j) {
    const std::string text = j.dump(2) + "\n";
    if (dir_.enabled()) {
      metrics_.close();
      util::write_file_atomic(dir_.staged("summary.json"), text);
      dir_.publish();
    }
    if (!s_.json.empty()) util::write_file_atomic(s_.json, text);
    if (!s_.json.empty()) out_ << "Results written to " << s_.json << "\n";
    if (dir_.enabled()) out_ << "Run directory: " << dir_.path() << "\n";
  }

 private:
  // The staleness measured after epoch e's last batch, if any.
  const StalenessRecord* measured(const EpochRecord& e) const {
    if (!staleness || staleness->records().empty()) return nullptr;
    const StalenessRecord& r = staleness->records().back();
    return r.run == e.run && r.epoch == e.epoch ? &r : nullptr;
  }

  const RunOptions& s_;
  RunDirectory& dir_;
  std::ostream& out_;
  std::ofstream metrics_;
  std::vector<std::string> lines_;  // metrics.jsonl, one per epoch
  std::vector<double> epoch_seconds_;
  int64_t skipped_ = 0;
};

// What prepare() builds: the graphs in partition order, the model and the
// training loader.
struct PreparedRun {
  std::vector<PartitionedGraph> graphs;  // the main graph first; inductive data: train, val, test
  bool inductive = false;
  std::shared_ptr<ScalableGNNImpl> model;
  std::unique_ptr<SubgraphLoader> loader;
  // A data-parallel job: this process's membership and the steps every
  // epoch takes.
  std::unique_ptr<dist::Communicator> comm;
  int64_t collective_steps = 0;
  at::Tensor global_perm;  // a job's partition order (for outputs in the original order; rank 0, when exporting)
  at::Tensor degree;       // of every node of the whole graph (PNA's degree statistics)
  double load_seconds = 0, partition_seconds = 0;
  int64_t static_bytes = 0;  // what the run holds whatever the batch size

  const PartitionedGraph& main() const { return graphs.front(); }
  const Dataset& train_data() const { return graphs.front().data; }
};

// Evaluation over every graph of the run, as the Trainer calls it: {train,
// val, test} metrics; keeps the main graph's logits of the last call.
class Evaluation {
 public:
  Evaluation(const RunOptions& s, PreparedRun& p) : s_(s), p_(p) {}

  // `fill`: the pass before a run's first step, which writes the histories
  // even when evaluation leaves them alone (eval_refresh=false).
  std::vector<double> operator()(int64_t run, bool fill = false) {
    logits = at::Tensor();  // not alive beside the new output: one N x classes matrix at a time
    std::vector<double> metrics;
    if (before) before();
    std::vector<MetricCounts> counts;
    for (PartitionedGraph& g : p_.graphs) {
      // The histories are the main graph's: any other graph (an inductive
      // split's) leaves them alone, even when its node count matches theirs.
      const bool main = &g == &p_.graphs.front();
      const at::Tensor out = infer(g, /*keep_histories=*/(!s_.eval_refresh && !fill) || !main);
      if (main) logits = out;
      // The output's rows: every node, or a rank's own (its halo follows them).
      const at::Tensor y = g.data.y.narrow(0, 0, out.size(0));
      if (p_.graphs.size() > 1) {
        counts.push_back(node_metric_counts(out, y, at::ones({out.size(0)}, at::kBool)));
      } else {
        for (const Split split : {Split::Train, Split::Val, Split::Test})
          counts.push_back(node_metric_counts(out, y, g.data.mask(split, run).narrow(0, 0, out.size(0))));
      }
    }
    if (p_.comm) {  // the whole graph's metrics: every rank's counts summed
      at::Tensor sums = at::empty({static_cast<int64_t>(counts.size()), 3}, at::kDouble);
      for (size_t i = 0; i < counts.size(); ++i)
        for (int64_t j = 0; j < 3; ++j) sums[static_cast<int64_t>(i)][j] = counts[i].sums[static_cast<size_t>(j)];
      p_.comm->all_reduce_sum(sums);
      for (size_t i = 0; i < counts.size(); ++i)
        for (int64_t j = 0; j < 3; ++j)
          counts[i].sums[static_cast<size_t>(j)] = sums[static_cast<int64_t>(i)][j].item<double>();
    }
    for (const MetricCounts& c : counts) metrics.push_back(c.value());
    return metrics;
  }

  /// The evaluation's pass over the main graph, writing every history, and
  /// nothing else: refresh_every's refresh (in training mode with
  /// refresh_mode=train).
  void refresh() {
    if (before) before();
    infer(p_.graphs.front(), /*keep_histories=*/false, s_.refresh_training);
  }

  at::Tensor logits;             ///< of the main graph, from the last evaluation
  std::function<void()> before;  ///< run before each evaluation (a data-parallel rank lands its halo rows)

 private:
  // `training`: refresh_mode=train's pass (dropout as in training).
  at::Tensor infer(PartitionedGraph& g, bool keep_histories, bool training = false) {
    LayerwiseOptions options = LayerwiseOptions()
                                   .output_on_host(s_.inference_output_on_host)
                                   .keep_histories(keep_histories)
                                   .training(training);
    // A rank of a data-parallel job fetches its halo's rows of each layer
    // from their owners before the next layer reads them.
    if (g.halo) options.after_layer([&g](HistoryStore& h, int64_t layer) { g.halo->refresh(h, layer); });
    return s_.layerwise ? layerwise_inference(*p_.model, *g.eval, g.data.x, options)
                        : full_batch_inference(*p_.model, g.data, keep_histories, nullptr, training);
  }

  const RunOptions& s_;
  PreparedRun& p_;
};

// The exports: the last run's outputs at its best validation epoch (the
// main graph's logits of that epoch's evaluation and the last history),
// written in original node order when the run ends.
class Exporter : public TrainHook {
 public:
  Exporter(const RunOptions& s, const PreparedRun& p, const Evaluation& evaluation, const RunDirectory& dir,
           std::ostream& out)
      : s_(s), p_(p), evaluation_(evaluation), dir_(dir), out_(out) {}

  // The best epoch's outputs so far, for checkpoints: undefined until then.
  std::vector<std::pair<std::string, at::Tensor>> state() const {
    return {{"export/logits", logits_}, {"export/embeddings", embeddings_}};
  }
  void restore(const CheckpointReader& reader) {
    if (reader.has("export/logits")) logits_ = reader.read_tensor("export/logits").to(p_.model->device());
    if (reader.has("export/embeddings")) embeddings_ = reader.read_tensor("export/embeddings");
  }

  void new_best(const EpochRecord& e, const RunResult&) override {
    if (e.run != s_.runs - 1) return;
    logits_ = evaluation_.logits.clone();
    HistoryStore& h = p_.model->histories();
    embeddings_ = h.empty() ? logits_ : h.pull(h.size() - 1);
  }

  void end_run(const RunResult& r) override {
    if (r.run != s_.runs - 1) return;
    for (const std::string& what : s_.exports) {
      at::Tensor values = what == "embeddings" ? embeddings_ : logits_;
      at::Tensor perm = p_.main().partition.perm;
      if (p_.comm) {  // every rank's own rows, gathered on rank 0 in the job's order
        values = p_.comm->gather(values.narrow(0, 0, p_.main().eval->num_rows()).cpu().contiguous());
        if (p_.comm->rank() != 0) continue;
        perm = p_.global_perm;
      }
      if (what == "predictions") values = p_.train_data().multilabel() ? values.gt(0) : values.argmax(1);
      const std::string file = what + "." + s_.export_format;
      write_node_values(unpermute(values.cpu(), perm), dir_.staged(file));
      out_ << "Wrote " << dir_.final(file) << " (" << values.size(0) << " nodes, original order)\n";
    }
  }

 private:
  const RunOptions& s_;
  const PreparedRun& p_;
  const Evaluation& evaluation_;
  const RunDirectory& dir_;
  std::ostream& out_;
  at::Tensor logits_, embeddings_;
};

// A rank's graph from its shard (cut at start or read from a set): the
// halo exchange over `owner_offsets`, and as the partition's identity (for
// checkpoints) the rank's node ids and parts.
PartitionedGraph rank_graph(const RunOptions& s, dist::Shard shard, const at::Tensor& owner_offsets,
                            dist::Communicator& comm, const std::string& label, std::ostream& out) {
  PartitionedGraph g;
  g.halo = std::make_unique<dist::HaloExchange>(comm, owner_offsets, shard.halo());
  out << "Rank " << comm.rank() << (label == "graph" ? "" : " (" + label + ")") << ": " << shard.num_owned
      << " nodes, halo " << shard.num_halo() << ", " << shard.ptr.numel() - 1 << " parts\n";
  g.label = label;
  g.data = std::move(shard.data);
  g.partition = Partition{shard.global_id, shard.ptr};
  g.eval = std::make_unique<EvalSubgraphLoader>(g.data.adj, shard.ptr, s.batch_size);
  return g;
}

// A rank's shard cut at start: the whole graph transformed as prepare_graph
// does, cut into rank blocks of GAS parts by rank 0 (the others receive the
// partition), and this rank's shard of it. The first graph prepared is the
// main one: its degrees and partition order are the run's.
PartitionedGraph prepare_shard(const RunOptions& s, Dataset data, const std::string& label, int64_t num_parts,
                               PreparedRun& p, std::ostream& out) {
  dist::Communicator& comm = *p.comm;
  data.adj = transform_adjacency(data.adj, s.adjacency_transform());
  const bool main = p.graphs.empty();
  if (main) p.degree = data.adj.row_degree();
  const int64_t n = data.num_nodes(), k = comm.size();
  TORCH_CHECK(n >= k, "the ", label, " graph has ", n, " nodes, fewer than the job's ", k, " processes");
  num_parts = std::min(std::max(num_parts, k), n);
  const double t = util::now_seconds();
  out << "Partitioning " << label << " for " << k << " processes into " << num_parts << " parts ("
      << to_string(s.partition) << ")..." << std::flush;
  dist::RankPartition ranks;
  at::Tensor parts = at::zeros({1}, at::kLong);  // what the other ranks allocate
  if (comm.rank() == 0) {
    ranks = dist::partition_ranks(data.adj, k, num_parts, s.partition, s.seed);
    parts[0] = ranks.partition.num_parts();
  }
  comm.broadcast(parts);
  if (comm.rank() != 0) {
    ranks.partition.perm = at::empty({n}, at::kLong);
    ranks.partition.ptr = at::empty({parts.item<int64_t>() + 1}, at::kLong);
    ranks.owner_offsets = at::empty({k + 1}, at::kLong);
    ranks.rank_parts = at::empty({k + 1}, at::kLong);
  }
  for (at::Tensor* t : {&ranks.partition.perm, &ranks.partition.ptr, &ranks.owner_offsets, &ranks.rank_parts})
    comm.broadcast(*t);
  out << " done [" << seconds_since(t) << "], edge cut " << fixed(edge_cut_percent(data.adj, ranks.partition), 1)
      << "% between parts\n";
  if (main) p.global_perm = ranks.partition.perm;
  return rank_graph(s, dist::make_shard(data, ranks, comm.rank()), ranks.owner_offsets, comm, label, out);
}

// The dataset loaded and partitioned: the graphs the run trains and
// evaluates on (for a rank of a job, its shard cut on the fly).
void load_and_partition(RunOptions& s, const ConfigNode& config, PreparedRun& p, std::ostream& out) {
  double t = util::now_seconds();
  out << "Loading " << s.dataset << "..." << std::flush;
  Dataset data = s.load_data(s.root);
  p.load_seconds = util::now_seconds() - t;
  out << " done [" << seconds_since(t) << "]\n" << data.summary() << "\n";
  data.check_splits(s.runs);  // an empty split is an error now, not a run that trains on nothing
  if (s.num_parts == 0) {
    s.num_parts = std::max<int64_t>(1, (data.num_nodes() + s.part_size - 1) / s.part_size);
    out << "num_parts: auto -> " << s.num_parts << " parts of about " << s.part_size << " nodes\n";
  }
  if (s.num_parts > data.num_nodes())
    s.params.fail("num_parts", std::to_string(s.num_parts) + " parts requested for a graph of " +
                                   std::to_string(data.num_nodes()) + " nodes");
  p.inductive = data.inductive;
  if (data.inductive && !s.exports.empty())
    config.fail("export", "exports cover one graph; the inductive dataset " + s.dataset + " has one per split");

  // Inductive datasets train on the training nodes' graph only and evaluate
  // on the validation and test graphs, each partitioned for the splitter
  // (in a job, each cut into the ranks' shards: every rank evaluates its own
  // nodes of every graph).
  t = util::now_seconds();
  if (data.inductive) {
    const int64_t n = data.num_nodes();
    for (const Split split : {Split::Train, Split::Val, Split::Test}) {
      Dataset part = data.subgraph(data.mask(split));
      const int64_t parts = split == Split::Train ? s.num_parts
                                                  : std::max<int64_t>(1, (s.num_parts * part.num_nodes() + n - 1) /
                                                                             std::max<int64_t>(1, n));
      p.graphs.push_back(p.comm ? prepare_shard(s, std::move(part), to_string(split), parts, p, out)
                                : prepare_graph(s, std::move(part), to_string(split), parts, out));
    }
  } else if (p.comm) {
    p.graphs.push_back(prepare_shard(s, std::move(data), "graph", s.num_parts, p, out));
  } else {
    p.graphs.push_back(prepare_graph(s, std::move(data), "graph", s.num_parts, out));
  }
  p.partition_seconds = util::now_seconds() - t;
}

// A rank's shard read from a set that gas_data partition wrote: its own
// nodes and halo only, never the whole graph.
void prepare_from_shards(RunOptions& s, const ConfigNode& config, PreparedRun& p, std::ostream& out) {
  if (!p.comm)
    config.fail("shards",
                "a shard set is read by the processes of a job: start the run with gas_launch -n K or "
                "torchrun (K = the set's shards)");
  dist::Communicator& comm = *p.comm;
  const double t = util::now_seconds();
  const ShardSetInfo info = read_shard_info(s.shards);
  if (info.ranks != comm.size())
    config.fail("shards", "'" + s.shards + "' holds " + std::to_string(info.ranks) + " shards, this job has " +
                              std::to_string(comm.size()) + " processes");
  const std::string transform = s.adjacency_transform();
  if (info.transform != transform)
    config.fail("shards", "'" + s.shards + "' was written with transform=" + info.transform + ", this model needs " +
                              transform + " (gas_data partition ... transform=" + transform + ")");
  out << "Reading the shards of " << info.dataset << " (" << info.nodes << " nodes, " << info.ranks << " shards, "
      << info.num_parts << " parts, " << info.partition << ") from " << s.shards << "..." << std::flush;
  dist::Shard shard = read_shard(s.shards, info, comm.rank(), "auto");
  p.degree = read_shard_degrees(s.shards);
  if (!s.exports.empty() && comm.rank() == 0) p.global_perm = read_shard_permutation(s.shards);
  p.load_seconds = util::now_seconds() - t;
  out << " done [" << seconds_since(t) << "]\n";
  p.graphs.push_back(rank_graph(s, std::move(shard), info.owner_offsets, comm, "graph", out));
}

// The model and the training loader over the prepared graphs, and what the
// log says of them.
void build_model_and_loader(RunOptions& s, PreparedRun& p, std::ostream& out) {
  const Dataset& train_data = p.train_data();
  if (!p.degree.defined()) p.degree = train_data.adj.row_degree();
  const models::ModelSpec spec{train_data.num_nodes(), train_data.num_features(), train_data.num_classes, p.degree};
  p.model = s.build_model(spec);
  ScalableGNNImpl& model = *p.model;
  model.histories().set_backend(history_backend(HistoryBackendOptions()
                                                    .placement(s.history)
                                                    .dtype(parse_history_dtype(s.history_dtype))
                                                    .directory(s.history_dir)));
  model.histories().set_transport(make_history_transport(s.history_io, s.pool_size));
  model.histories().set_profiling(s.profile);
  model.histories().set_push_momentum(s.history_momentum);
  if (s.ob_momentum > 0 && !model.supports_out_of_batch_momentum())
    s.params.fail("ob_momentum", "model " + s.model + " (with these options) does not support out-of-batch momentum: "
                                     "its layers read their output rows' own input (GCN without residual does not)");
  model.set_out_of_batch_momentum(s.ob_momentum);
  model.to(s.device);
  // Sparse input features where the first layer can take them and they are
  // mostly zeros (bag-of-words): the first transform and input dropout then
  // touch the non-zeros only.
  const double density = feature_density(train_data.x);
  const bool sparse = model.supports_sparse_input() && s.device.is_cpu() &&
                      (s.sparse_features == "true" || (s.sparse_features == "auto" && density < 0.1));
  if (s.sparse_features == "true" && !sparse)
    s.params.fail("sparse_features", "model " + s.model + " takes dense features only (on this device)");
  if (sparse)
    for (auto& g : p.graphs) g.data.x = to_sparse_features(g.data.x);
  // A first layer on the CPU that reads its dense input rows in place
  // gets the whole matrix; on a GPU the gathered rows are what moves.
  const bool gathers_in_model = model.reads_input_rows() && s.device.is_cpu() && !sparse;
  p.loader = std::make_unique<SubgraphLoader>(train_data.adj, p.main().partition.ptr, train_data.x,
                                              SubgraphLoaderOptions()
                                                  .batch_size(s.batch_size)
                                                  .seed(s.seed)
                                                  .num_workers(s.num_workers)
                                                  .precompute(s.precompute)
                                                  .pin_memory(s.device.is_cuda())
                                                  .gather_features(!gathers_in_model));
  const SubgraphLoader& loader = *p.loader;
  if (p.comm) {
    // Every rank takes as many steps per epoch as the rank with the most batches.
    at::Tensor steps = at::full({1}, loader.size(), at::kLong);
    p.comm->all_reduce_max(steps);
    p.collective_steps = steps.item<int64_t>();
  }
  int64_t num_params = 0;
  for (const auto& param : model.parameters()) num_params += param.numel();
  // What the run holds whatever the batch size: the data, its partition,
  // the evaluation batches (another copy of the graph), the batch builders'
  // node indexes, the histories, and the output of the full-graph
  // evaluation. The rest of the peak is compute memory.
  p.static_bytes = model.histories().nbytes() + batch_index_nbytes();
  for (const auto& g : p.graphs)
    p.static_bytes += g.data.nbytes() + tensor_nbytes(g.partition.perm) + (g.eval ? g.eval->nbytes() : 0) +
                      g.data.num_nodes() * train_data.num_classes * static_cast<int64_t>(sizeof(float));
  const bool partial = s.max_steps > 0 && s.max_steps < loader.size();
  out << "Model " << s.model << ": " << model.num_layers() << " layers, " << num_params << " parameters, "
      << model.histories().size() << " histories (" << fixed(model.histories().nbytes() / 1048576.0, 1) << " MiB, "
      << model.histories().backend().name() << "), history I/O " << model.histories().transport().name()
      << (s.history_io == "async" || s.history_io == "staged" ? " (" + std::to_string(s.pool_size) + " threads)" : "")
      << ", " << loader.size() << " batches per epoch ("
      << (loader.symmetric() ? "symmetric graph: no transposes" : "directed graph: batches carry transposes") << ")"
      << (partial ? " (max_steps " + std::to_string(s.max_steps) + ")" : "") << ", evaluation "
      << (s.layerwise ? "layer-wise" : "full-batch") << ", " << (sparse ? "sparse" : "dense") << " features (density "
      << fixed(100 * density, 2) << "%); static data " << fixed(p.static_bytes / 1048576.0, 1)
      << " MiB (data, partition, evaluation batches, batch index, histories, output)\n";
  if (partial)
    out << "Note: max_steps = " << s.max_steps << " < " << loader.size()
        << " batches: each epoch trains on part of the graph, as in PyGAS\n";
}

// Data, partition, model and loader, with what the log says of each.
PreparedRun prepare(RunOptions& s, const ConfigNode& config, std::unique_ptr<dist::Communicator> comm,
                    std::ostream& out) {
  PreparedRun p;
  p.comm = std::move(comm);
  if (p.comm && !s.layerwise) {
    // A rank holds its own rows and its halo: no process has the whole graph for a full-batch pass.
    s.layerwise = true;
    out << "Evaluation: layer-wise (several processes: no process holds the whole graph)\n";
  }
  if (!s.shards.empty()) {
    prepare_from_shards(s, config, p, out);
  } else {
    load_and_partition(s, config, p, out);
  }
  build_model_and_loader(s, p, out);
  return p;
}

// ------------------------------------------------------------- checkpoints

// DIR/checkpoint.gas, or for rank r > 0 of a job DIR/checkpoint.rank<r>.gas.
std::string checkpoint_path(const std::string& dir, const PreparedRun& p) {
  const int64_t rank = p.comm ? p.comm->rank() : 0;
  return dir + (rank == 0 ? "/checkpoint.gas" : "/checkpoint.rank" + std::to_string(rank) + ".gas");
}

// FNV-1a over a tensor's bytes: the identity of a partition or a dataset.
uint64_t fingerprint(const at::Tensor& t, uint64_t h = 1469598103934665603ull) {
  if (!t.defined()) return h;
  const at::Tensor c = t.cpu().contiguous();
  const auto* p = static_cast<const unsigned char*>(c.data_ptr());
  for (size_t i = 0; i < c.nbytes(); ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

// What a checkpoint must agree with to be resumed: every configuration key
// that changes what is trained (not epochs, runs, logging, outputs, threads
// or the device), the dataset and the partition.
nlohmann::json run_identity(const ConfigNode& config, const PreparedRun& p) {
  static const std::set<std::string> free_keys = {
      "epochs",  "runs",    "log_every", "json",           "out_dir",          "export", "export_format",
      "threads", "profile", "device",    "checkpoint_dir", "checkpoint_every", "resume", "on_nonfinite"};
  nlohmann::json identity = nlohmann::json::object();
  std::function<void(const std::string&, const nlohmann::json&)> flatten = [&](const std::string& key,
                                                                               const nlohmann::json& v) {
    if (v.is_object()) {
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (key.empty() && free_keys.count(it.key())) continue;
        flatten(key.empty() ? it.key() : key + "." + it.key(), it.value());
      }
    } else {
      identity[key] = v.dump();
    }
  };
  flatten("", nlohmann::json::parse(config.to_json()));
  const Dataset& d = p.train_data();
  std::ostringstream data, part;
  data << d.name << ", " << d.num_nodes() << " nodes, " << d.adj.nnz() << " edges, " << d.num_features()
       << " features, labels " << std::hex << fingerprint(d.y);
  uint64_t h = 1469598103934665603ull;
  for (const auto& g : p.graphs) h = fingerprint(g.partition.ptr, fingerprint(g.partition.perm, h));
  part << p.main().partition.num_parts() << " parts, " << std::hex << h;
  identity["(dataset)"] = data.str();
  identity["(partition)"] = part.str();
  if (p.comm)
    identity["(processes)"] = std::to_string(p.comm->size()) + ", this one rank " + std::to_string(p.comm->rank());
  return identity;
}

// The first way `saved` differs from `current`, as "key: A in the checkpoint,
// B now": the model, the dataset and the partition before any other key.
std::string identity_difference(const nlohmann::json& saved, const nlohmann::json& current) {
  for (const char* key : {"model", "dataset", "(dataset)", "(partition)"})
    if (saved.contains(key) && current.contains(key) && saved.at(key) != current.at(key))
      return std::string(key) + ": " + saved.at(key).get<std::string>() + " in the checkpoint, " +
             current.at(key).get<std::string>() + " now";
  for (auto it = current.begin(); it != current.end(); ++it) {
    if (!saved.contains(it.key()))
      return it.key() + ": not set in the checkpoint, " + it.value().get<std::string>() + " now";
    if (saved.at(it.key()) != it.value())
      return it.key() + ": " + saved.at(it.key()).get<std::string>() + " in the checkpoint, " +
             it.value().get<std::string>() + " now";
  }
  for (auto it = saved.begin(); it != saved.end(); ++it)
    if (!current.contains(it.key()))
      return it.key() + ": " + it.value().get<std::string>() + " in the checkpoint, not set now";
  return "";
}

nlohmann::json to_json(const RunResult& r) {
  return {{"run", r.run}, {"seed", r.seed}, {"best_val", r.best_val}, {"test", r.test}, {"best_epoch", r.best_epoch}};
}

RunResult run_result(const nlohmann::json& j) {
  RunResult r;
  r.run = j.at("run").get<int64_t>();
  r.seed = j.at("seed").get<int64_t>();
  r.best_val = j.at("best_val").get<double>();
  r.test = j.at("test").get<double>();
  r.best_epoch = j.at("best_epoch").get<int64_t>();
  return r;
}

// Writes DIR/checkpoint.gas: the training state (model, histories,
// optimiser, random state), the exporter's best outputs, the identity and
// the progress (the run, where it stands, the finished runs' results, the
// reporter's record).
class Checkpointer : public TrainHook {
 public:
  Checkpointer(const RunOptions& s, const ConfigNode& config, PreparedRun& p, Reporter& reporter,
               std::shared_ptr<Exporter> exporter, std::ostream& out)
      : s_(s),
        p_(p),
        reporter_(reporter),
        exporter_(std::move(exporter)),
        out_(out),
        identity_(run_identity(config, p)) {}

  const nlohmann::json& identity() const { return identity_; }
  std::string path() const { return checkpoint_path(s_.checkpoint_dir, p_); }

  // Set by fit_runs for the run in progress.
  torch::optim::Optimizer* optimizer = nullptr;
  const Trainer* trainer = nullptr;
  std::vector<RunResult>* finished = nullptr;

  void end_epoch(const EpochRecord& e, const RunResult&) override {
    if (e.epoch % s_.checkpoint_every == 0 && e.epoch < s_.epochs) save(e.run);
  }
  void end_run(const RunResult& r) override {
    // The finished run, before fit_runs records it: this checkpoint marks
    // the run complete, so a resume starts the next one.
    save(r.run, &r);
  }

  void save(int64_t run, const RunResult* ended = nullptr) {
    if (s_.checkpoint_dir.empty()) return;
    const double t = util::now_seconds();
    CheckpointWriter writer(path());
    save_training_state(writer, *p_.model, *optimizer);
    if (exporter_)
      for (const auto& [name, tensor] : exporter_->state())
        if (tensor.defined()) writer.write_tensor(name, tensor);
    const FitState& st = trainer->state();
    nlohmann::json results = nlohmann::json::array();
    for (const RunResult& r : *finished) results.push_back(to_json(r));
    if (ended) results.push_back(to_json(*ended));
    nlohmann::json progress = {{"run", ended ? run + 1 : run},
                               {"epochs_done", ended ? 0 : st.epochs_done},
                               {"batches_done", ended ? 0 : st.batches_done},
                               {"partial_loss_sum", st.partial_loss_sum},
                               {"partial_examples", st.partial_examples},
                               {"best", to_json(st.best)},
                               {"results", results},
                               {"reporter", reporter_.state()}};
    writer.write_bytes("identity", identity_.dump());
    writer.write_bytes("progress", progress.dump());
    // The ranks of a job write one after another, and a kill may come in
    // between: each keeps its previous checkpoint, so that a point every
    // rank has saved remains (resume picks it).
    if (p_.comm && util::is_file(path())) util::rename_file(path(), path() + ".prev");
    writer.commit();
    if (s_.log_every > 0 && !ended)
      out_ << "Checkpoint: " << path() << " (run " << run + 1 << ", epoch " << st.epochs_done
           << (st.batches_done > 0 ? ", batch " + std::to_string(st.batches_done) : std::string()) << ") ["
           << seconds_since(t) << "]" << std::endl;
  }

 private:
  const RunOptions& s_;
  PreparedRun& p_;
  Reporter& reporter_;
  std::shared_ptr<Exporter> exporter_;
  std::ostream& out_;
  nlohmann::json identity_;
};

// Where a checkpoint's run stands, as one number that orders them.
int64_t progress_key(const std::string& path) {
  const nlohmann::json j = nlohmann::json::parse(CheckpointReader(path).read_bytes("progress"));
  return (j.at("run").get<int64_t>() * 1000000 + j.at("epochs_done").get<int64_t>()) * 1000000 +
         j.at("batches_done").get<int64_t>();
}

// The checkpoint of this rank at the latest point every rank of the job has
// saved (its newest or the one before: a kill may have come between two
// ranks' writes). Collective.
std::string agreed_checkpoint(const std::string& dir, const PreparedRun& p) {
  dist::Communicator& comm = *p.comm;
  const std::string newest = checkpoint_path(dir, p), previous = newest + ".prev";
  if (!util::is_file(newest))
    throw ConfigError("resume: no checkpoint '" + newest + "' for rank " + std::to_string(comm.rank()) + " of " +
                      std::to_string(comm.size()));
  at::Tensor mine = at::full({1, 2}, -1, at::kLong);
  mine[0][0] = progress_key(newest);
  if (util::is_file(previous)) mine[0][1] = progress_key(previous);
  const at::Tensor all = comm.all_gather(mine);
  int64_t best = -1;
  for (int64_t i = 0; i < 2 * comm.size(); ++i) {
    const int64_t key = all.view(-1)[i].item<int64_t>();
    if (key <= best) continue;
    bool everywhere = true;
    for (int64_t r = 0; r < comm.size(); ++r) everywhere = everywhere && all[r].eq(key).any().item<bool>();
    if (everywhere) best = key;
  }
  if (best < 0)
    throw ConfigError("resume: the " + std::to_string(comm.size()) + " ranks' checkpoints in '" + dir +
                      "' share no point to resume from (written by another job, or by more or fewer processes)");
  return mine[0][0].item<int64_t>() == best ? newest : previous;
}

// Every run of the experiment through one Trainer and its hooks; from a
// checkpoint with resume=, and stopping at a batch boundary when `stop` is
// set (a signal), after writing a checkpoint.
std::vector<RunResult> fit_runs(const RunOptions& s, const ConfigNode& config, PreparedRun& p, Reporter& reporter,
                                const RunDirectory& dir, const std::atomic<bool>* stop, bool& interrupted,
                                std::ostream& out) {
  auto evaluation = std::make_shared<Evaluation>(s, p);
  // A rank of a data-parallel job stops with the others, at the step after
  // which any of them was signalled.
  std::shared_ptr<dist::DataParallelHook> data_parallel;
  if (p.comm) {
    const dist::HaloRefresh refresh = s.halo_refresh == "step"        ? dist::HaloRefresh::Step
                                      : s.halo_refresh == "pipelined" ? dist::HaloRefresh::Pipelined
                                                                      : dist::HaloRefresh::Epoch;
    data_parallel = std::make_shared<dist::DataParallelHook>(*p.comm, *p.main().halo, *p.model, refresh, stop);
    evaluation->before = [hook = data_parallel.get(), &p] {
      hook->finish_pending();
      dist::average_buffers(*p.comm, *p.model);
    };
  }
  Trainer trainer(
      *p.model, *p.loader, p.train_data(), [evaluation](int64_t run) { return (*evaluation)(run); },
      TrainerOptions()
          .epochs(s.epochs)
          .eval_every(s.eval_every)
          .epoch(TrainEpochOptions()
                     .grad_norm(s.grad_norm ? gas::optional<double>(*s.grad_norm) : gas::nullopt)
                     .max_steps(s.max_steps)
                     .on_nonfinite(s.on_nonfinite == "skip" ? NonFinite::Skip : NonFinite::Stop)
                     .collective_steps(p.collective_steps)
                     .stop(data_parallel ? data_parallel->stop_flag() : stop)));
  // The gradient all-reduce first: every later hook sees the job's step.
  if (data_parallel) trainer.add_hook(data_parallel);
  // Staleness is measured after an epoch's last batch, before any refresh.
  if (s.staleness) {
    if (p.comm) throw ConfigError("staleness: measured in single-process runs only");
    const int64_t batches = s.max_steps > 0 ? std::min(s.max_steps, p.loader->size()) : p.loader->size();
    reporter.staleness = std::make_shared<StalenessMonitor>(
        *p.model, p.train_data(), pulled_nodes(p.train_data().adj, p.main().partition.ptr), batches);
    trainer.add_hook(reporter.staleness);
  }
  if (s.refresh_every > 0) {
    reporter.refresh = std::make_shared<RefreshSchedule>(s.refresh_every, [evaluation] { evaluation->refresh(); });
    trainer.add_hook(reporter.refresh);
  }
  trainer.add_hook(std::shared_ptr<TrainHook>(&reporter, [](TrainHook*) {}));
  std::shared_ptr<Exporter> exporter;
  if (!s.exports.empty()) {
    exporter = std::make_shared<Exporter>(s, p, *evaluation, dir, out);
    trainer.add_hook(exporter);
  }
  auto checkpointer = std::make_shared<Checkpointer>(s, config, p, reporter, exporter, out);
  trainer.add_hook(checkpointer);

  std::vector<RunResult> results;
  int64_t first_run = 0;
  FitState start;
  std::unique_ptr<CheckpointReader> resumed;
  if (!s.resume.empty()) {
    resumed =
        std::make_unique<CheckpointReader>(p.comm ? agreed_checkpoint(s.resume, p) : s.resume + "/checkpoint.gas");
    const std::string difference =
        identity_difference(nlohmann::json::parse(resumed->read_bytes("identity")), checkpointer->identity());
    if (!difference.empty())
      throw ConfigError("resume: '" + resumed->path() + "' was written for another run (" + difference + ")");
    const nlohmann::json progress = nlohmann::json::parse(resumed->read_bytes("progress"));
    first_run = progress.at("run").get<int64_t>();
    for (const auto& r : progress.at("results")) results.push_back(run_result(r));
    start.epochs_done = progress.at("epochs_done").get<int64_t>();
    start.batches_done = progress.at("batches_done").get<int64_t>();
    start.partial_loss_sum = progress.at("partial_loss_sum").get<double>();
    start.partial_examples = progress.at("partial_examples").get<int64_t>();
    start.best = run_result(progress.at("best"));
    reporter.restore(progress.at("reporter"));
    if (start.epochs_done > s.epochs)
      throw ConfigError("resume: '" + resumed->path() + "' is at epoch " + std::to_string(start.epochs_done) +
                        " of run " + std::to_string(first_run + 1) + ", past epochs=" + std::to_string(s.epochs));
    out << "Resuming from " << resumed->path() << ": run " << first_run + 1 << ", after epoch " << start.epochs_done
        << (start.batches_done > 0 ? " and batch " + std::to_string(start.batches_done) : std::string()) << "\n";
  }
  checkpointer->trainer = &trainer;
  checkpointer->finished = &results;
  for (int64_t run = first_run; run < s.runs; ++run) {
    const int64_t seed = s.seed + run;
    torch::manual_seed(static_cast<uint64_t>(seed));
    p.loader->reseed(static_cast<uint64_t>(seed));
    p.model->reset_parameters();
    if (p.comm) dist::broadcast_parameters(*p.comm, *p.model);  // one model, whatever each rank's random state
    auto optimizer = make_adam(*p.model, s.lr, s.reg_weight_decay, s.nonreg_weight_decay);
    checkpointer->optimizer = optimizer.get();
    const bool resuming = resumed && run == first_run && (start.epochs_done > 0 || start.batches_done > 0);
    if (resuming) {
      load_training_state(*resumed, *p.model, *optimizer);
      if (exporter) exporter->restore(*resumed);
      p.loader->seek(start.epochs_done);
    } else if (s.fill_history) {
      (*evaluation)(run, /*fill=*/true);  // fills every history before the first step
    }
    resumed.reset();
    RunResult r = trainer.fit(*optimizer, run, resuming ? start : FitState{});
    r.seed = seed;
    if (r.interrupted) {
      interrupted = true;
      checkpointer->save(run);
      out << "Stopped by a signal in run " << run + 1 << " after epoch " << trainer.state().epochs_done
          << (trainer.state().batches_done > 0 ? ", batch " + std::to_string(trainer.state().batches_done)
                                               : std::string())
          << (s.checkpoint_dir.empty() ? "; no checkpoint_dir, nothing saved"
                                       : "; resume with resume=" + s.checkpoint_dir)
          << "\n";
      if (r.best_epoch > 0) results.push_back(r);
      break;
    }
    results.push_back(r);
  }
  return results;
}

// The summary: means over runs, times and memory, printed and as JSON.
ExperimentResult summarise(const RunOptions& s, const ConfigNode& config, const PreparedRun& p,
                           std::vector<RunResult> runs, Reporter& reporter, double t_start, double setup_peak_mb,
                           bool train_peak_known, int stop_signal, std::ostream& out) {
  ExperimentResult result;
  result.metric = p.train_data().multilabel() ? "micro-F1" : "accuracy";
  result.runs = std::move(runs);
  result.interrupted_by = stop_signal;
  double sum = 0;
  for (const auto& r : result.runs) sum += 100 * r.test;
  result.mean = result.runs.empty() ? std::nan("") : sum / static_cast<double>(result.runs.size());
  double sq = 0;
  for (const auto& r : result.runs) sq += (100 * r.test - result.mean) * (100 * r.test - result.mean);
  result.std = result.runs.size() > 1 ? std::sqrt(sq / static_cast<double>(result.runs.size() - 1)) : 0.0;
  std::vector<double> epoch_seconds = reporter.epoch_seconds();
  std::sort(epoch_seconds.begin(), epoch_seconds.end());
  result.median_epoch_seconds = epoch_seconds.empty() ? 0.0 : epoch_seconds[epoch_seconds.size() / 2];
  result.total_seconds = util::now_seconds() - t_start;
  result.train_peak_rss_mb = util::peak_rss_mb();
  result.peak_rss_mb = std::max(setup_peak_mb, result.train_peak_rss_mb);
  if (!train_peak_known) result.train_peak_rss_mb = result.peak_rss_mb;
  const int64_t device_peak = ops::device_memory_peak(s.device);
  result.device_peak_mb = device_peak < 0 ? -1.0 : static_cast<double>(device_peak) / 1048576.0;

  out << "Median epoch " << fixed(1000 * result.median_epoch_seconds, 1) << " ms (train + eval), total "
      << fixed(result.total_seconds, 1) << " s, peak RSS " << fixed(result.peak_rss_mb, 0) << " MiB ("
      << fixed(result.train_peak_rss_mb, 0) << " MiB in training)"
      << (result.device_peak_mb >= 0
              ? ", peak " + s.device.str() + " memory " + fixed(result.device_peak_mb, 0) + " MiB"
              : std::string())
      << "\n";
  if (reporter.skipped_steps() > 0)
    out << reporter.skipped_steps()
        << " training steps skipped for a non-finite loss or gradient (on_nonfinite=skip)\n";
  if (stop_signal != 0)
    out << "Interrupted by signal " << stop_signal << ": the summary covers " << result.runs.size()
        << " run(s), the last one partial\n";
  out << "Mini Acc: " << fixed(result.mean, 2) << " \u00b1 " << fixed(result.std, 2) << "\n";
  nlohmann::json job;
  if (p.comm) {
    // Per-rank memory and the bytes every kind of collective moved, summed over the ranks.
    dist::Communicator& comm = *p.comm;
    const std::map<std::string, dist::Traffic> traffic = comm.traffic();
    const std::vector<std::string> ops = {"all_reduce", "all_to_all", "broadcast", "all_gather"};
    at::Tensor bytes = at::zeros({static_cast<int64_t>(ops.size())}, at::kDouble);
    for (size_t i = 0; i < ops.size(); ++i)
      if (traffic.count(ops[i]))
        bytes[static_cast<int64_t>(i)] = static_cast<double>(traffic.at(ops[i]).bytes_received);
    comm.all_reduce_sum(bytes);
    const at::Tensor memory = comm.all_gather(
        at::tensor({p.static_bytes / 1048576.0, result.peak_rss_mb, result.train_peak_rss_mb}, at::kDouble)
            .unsqueeze(0));
    job["processes"] = comm.size();
    std::vector<double> static_mb, peak_mb, train_peak_mb;
    for (int64_t r = 0; r < comm.size(); ++r) {
      static_mb.push_back(memory[r][0].item<double>());
      peak_mb.push_back(memory[r][1].item<double>());
      train_peak_mb.push_back(memory[r][2].item<double>());
    }
    job["rank_static_data_mb"] = static_mb;
    job["rank_peak_rss_mb"] = peak_mb;
    job["rank_train_peak_rss_mb"] = train_peak_mb;
    out << comm.size() << (comm.size() == 1 ? " process" : " processes") << ": static data per rank";
    for (double m : static_mb) out << " " << fixed(m, 1);
    out << " MiB, training peak RSS per rank";
    for (double m : train_peak_mb) out << " " << fixed(m, 0);
    out << " MiB; received over all ranks:";
    for (size_t i = 0; i < ops.size(); ++i) {
      const double mb = bytes[static_cast<int64_t>(i)].item<double>() / 1048576.0;
      job["received_mb"][ops[i]] = mb;
      job["calls"][ops[i]] = traffic.count(ops[i]) ? traffic.at(ops[i]).calls : 0;
      out << " " << ops[i] << " " << fixed(mb, 1) << " MiB";
    }
    out << "\n";
  }

  const HistoryStore& histories = p.model->histories();
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
  j["load_s"] = p.load_seconds;
  j["partition_s"] = p.partition_seconds;
  j["peak_rss_mb"] = result.peak_rss_mb;
  j["train_peak_rss_mb"] = result.train_peak_rss_mb;
  if (const LargeBlockCache* cache = installed_large_block_cache()) {
    const LargeBlockCacheStats c = cache->stats();
    j["large_block_cache"] = {
        {"hits", c.hits}, {"misses", c.misses}, {"released", c.released}, {"cached_mb", c.cached_bytes / 1048576.0}};
  }
  if (result.device_peak_mb >= 0) j["device_peak_mb"] = result.device_peak_mb;
  j["static_data_mb"] = p.static_bytes / 1048576.0;
  j["history_mb"] = histories.nbytes() / 1048576.0;
  j["num_nodes"] = p.train_data().num_nodes();
  int64_t parameters = 0;
  for (const auto& param : p.model->parameters()) parameters += param.numel();
  j["parameters"] = parameters;
  j["gas_version"] = GAS_VERSION;
  j["device"] = s.device.str();
  j["threads"] = at::get_num_threads();
  j["huge_pages"] = malloc_uses_huge_pages();
  j["history_io"] = histories.transport().name();
  j["skipped_steps"] = reporter.skipped_steps();
  j["interrupted"] = stop_signal != 0;
  if (!job.is_null()) j["distributed"] = job;
  if (stop_signal != 0) j["signal"] = stop_signal;
  reporter.summarise_extras(j);
  reporter.summary(j);
  return result;
}

// A process that torchrun or gas_launch started (WORLD_SIZE is set) joins
// its job, for which the options must hold; the others run alone.
std::unique_ptr<dist::Communicator> join_job(RunOptions& s, const ConfigNode& config) {
  if (std::getenv("WORLD_SIZE") == nullptr) return nullptr;
  const dist::LaunchInfo info = dist::LaunchInfo::from_environment();
  auto comm = std::make_unique<dist::Communicator>(
      info, std::chrono::milliseconds(static_cast<int64_t>(1000 * s.dist_timeout)));
  if (comm->rank() != 0) {
    s.json.clear();
    s.out_dir.clear();
  }
  if (!s.history_dir.empty()) s.history_dir += "/rank" + std::to_string(comm->rank());
  return comm;
}

}  // namespace

ConfigNode compose_config(const std::string& suite, const std::string& config_dir, const std::string& config_file,
                          const std::vector<std::string>& overrides) {
  std::vector<std::string> top_keys;  // besides model, which chooses the file
  for (const RunKey& key : run_keys())
    if (key.scope != RunKey::Scope::Block && key.name != "model") top_keys.push_back(key.name);
  std::vector<std::pair<std::string, std::string>> top, params_overrides;
  std::string model;
  for (const std::string& arg : overrides) {
    auto kv = parse_override(arg);
    if (kv.first == "model") {
      model = kv.second;
      top.push_back(kv);
    } else if (kv.first.rfind("params.", 0) == 0 && kv.first.size() > 7) {
      params_overrides.emplace_back(kv.first.substr(7), kv.second);
    } else if (std::find(top_keys.begin(), top_keys.end(), kv.first) != top_keys.end()) {
      top.push_back(kv);
    } else {
      throw ConfigError("unknown argument '" + arg + "' (valid keys: model, " + util::join(top_keys) +
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

void check_experiment_config(const ConfigNode& config) { RunOptions::from_config(config); }

ExperimentResult run_experiment(const ConfigNode& config, std::ostream& console) {
  const double t_start = util::now_seconds();
  RunOptions s = RunOptions::from_config(config);
  std::unique_ptr<dist::Communicator> comm = join_job(s, config);
  // Rank 0 alone writes the log and the outputs; the others run silent.
  std::ostream silent(nullptr);
  std::ostream& out = !comm || comm->rank() == 0 ? console : silent;
  // Loader workers get cores of their own: an OpenMP team sharing its cores
  // with another busy thread stalls at every barrier (3x slower epochs
  // measured on 2 cores).
  // The processes of a job on one machine share its cores.
  const int64_t local_processes = comm ? dist::LaunchInfo::from_environment().local_world_size : 1;
  const int64_t cores =
      std::max<int64_t>(1, static_cast<int64_t>(std::thread::hardware_concurrency()) / local_processes);
  at::set_num_threads(static_cast<int>(s.threads > 0 ? s.threads : std::max<int64_t>(1, cores - s.num_workers)));
  out << config.to_yaml() << "\n\n";
  out << "gas " << GAS_VERSION << " | device " << s.device << " | " << at::get_num_threads() << " threads | huge pages "
      << (malloc_uses_huge_pages() ? "on" : "off") << "\n";
  for (const std::string& w : s.warnings) out << "Warning: " << w << "\n";
  // Every output location is tried before any work: a run never finds out at
  // its end that it cannot write its results.
  if (!s.json.empty()) {
    const size_t slash = s.json.rfind('/');
    util::probe_writable(slash == std::string::npos ? "." : s.json.substr(0, std::max<size_t>(slash, 1)), "json");
  }
  if (!s.out_dir.empty()) {
    const size_t slash = s.out_dir.rfind('/');
    util::probe_writable(slash == std::string::npos ? "." : s.out_dir.substr(0, std::max<size_t>(slash, 1)), "out_dir");
  }
  if (!s.checkpoint_dir.empty()) util::probe_writable(s.checkpoint_dir, "checkpoint_dir");
  if (!s.history_dir.empty()) util::probe_writable(s.history_dir, "history_dir");
  RunDirectory dir(s.out_dir);
  Reporter reporter(s, config, dir, out);

  PreparedRun prepared = prepare(s, config, std::move(comm), out);
  if (!s.checkpoint_dir.empty()) {
    // Room for two checkpoints: the new one is written beside the old.
    int64_t bytes = prepared.model->histories().nbytes();
    for (const auto& param : prepared.model->parameters()) bytes += 3 * param.numel() * 4;
    util::probe_writable(s.checkpoint_dir, "checkpoint_dir", 2 * bytes);
  }
  // The files are sparse until rows are pushed: the room they will take.
  if (!s.history_dir.empty()) util::probe_writable(s.history_dir, "history_dir", prepared.model->histories().nbytes());
  // Loading and partitioning peak higher than training and free their
  // buffers; training's own peak is what GAS keeps flat as graphs grow.
  const double setup_peak_mb = util::peak_rss_mb();
  util::release_free_memory();
  const bool train_peak_known = util::reset_peak_rss();
  ops::device_memory_peak(s.device, /*reset=*/true);
  StopOnSignal signals;
  bool interrupted = false;
  std::vector<RunResult> runs = fit_runs(s, config, prepared, reporter, dir, signals.flag(), interrupted, out);
  return summarise(s, config, prepared, std::move(runs), reporter, t_start, setup_peak_mb, train_peak_known,
                   interrupted ? signals.signal() : 0, out);
}

}  // namespace gas
