#include <gas/experiment.h>

#include <gas/datasets/synthetic.h>
#include <gas/metrics.h>

#include "common/fixtures.h"
#include "common/test_utils.h"
#include "datasets/npy.h"
#include "util/system.h"

#include <cmath>
#include <random>
#include <vector>

#include <nlohmann/json.hpp>

#include <sstream>

namespace gas {
namespace {

ConfigNode tiny(const std::vector<std::string>& overrides) {
  std::vector<std::string> args = {"dataset=synthetic",  "params.data.num_nodes=1500", "params.data.feature_noise=4",
                                   "params.num_parts=6", "params.batch_size=2",        "log_every=0"};
  args.insert(args.end(), overrides.begin(), overrides.end());  // later arguments win
  return compose_config("small", GAS_TEST_SOURCE_DIR "/configs", "", args);
}

TEST(Experiment, TrainsAndReportsAboveChance) {
  const std::string json = testing::temp_dir() + "/result.json";
  std::ostringstream log;
  const ExperimentResult r = run_experiment(tiny({"epochs=15", "runs=2", "json=" + json}), log);
  ASSERT_EQ(r.runs.size(), 2u);
  EXPECT_GT(r.mean, 50.0) << log.str();  // 8 classes: chance is 12.5%
  EXPECT_NE(log.str().find("Mini Acc: "), std::string::npos);
  EXPECT_NE(r.runs[0].test, r.runs[1].test) << "runs use different seeds";

  const nlohmann::json j = nlohmann::json::parse(testing::read_file(json));
  EXPECT_EQ(j["runs"].size(), 2u);
  EXPECT_EQ(j["runs"][1]["seed"], 1);
  EXPECT_NEAR(j["mean"].get<double>(), r.mean, 1e-9);
  EXPECT_EQ(j["epochs"], 15);
  for (const char* key : {"std", "total_s", "median_epoch_s", "peak_rss_mb"}) EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_GT(r.train_peak_rss_mb, 0.0);
  EXPECT_LE(r.train_peak_rss_mb, r.peak_rss_mb);
  EXPECT_EQ(j["train_peak_rss_mb"].get<double>(), r.train_peak_rss_mb);
  EXPECT_EQ(j["config"]["params"]["synthetic"]["num_parts"], 6);
  EXPECT_GT(j["runs"][0]["best_epoch"].get<int>(), 0);
}

TEST(Experiment, PeakRssRestartsFromTheCurrentRss) {
  {
    std::vector<char> big(512 << 20);
    for (size_t i = 0; i < big.size(); i += 4096) big[i] = 1;  // resident, not just reserved
    EXPECT_GE(util::peak_rss_mb(), 512.0);
  }
  if (!util::reset_peak_rss()) GTEST_SKIP() << "/proc/self/clear_refs is not writable here";
  EXPECT_LT(util::peak_rss_mb(), 512.0);
}

TEST(Experiment, SameSeedSameResultWhateverTheLoaderWorkers) {
  std::ostringstream log;
  const ExperimentResult a = run_experiment(tiny({"epochs=4", "params.num_workers=0"}), log);
  const ExperimentResult b = run_experiment(tiny({"epochs=4", "params.num_workers=2", "threads=1"}), log);
  EXPECT_EQ(a.runs[0].test, b.runs[0].test);
  EXPECT_EQ(a.runs[0].best_val, b.runs[0].best_val);
}

TEST(Experiment, AsyncHistoryIoGivesTheSameResults) {
  std::ostringstream log;
  const ExperimentResult sync = run_experiment(tiny({"epochs=4", "params.architecture.num_layers=3"}), log);
  const ExperimentResult async =
      run_experiment(tiny({"epochs=4", "params.architecture.num_layers=3", "params.history_io=async"}), log);
  EXPECT_EQ(sync.runs[0].test, async.runs[0].test);
  EXPECT_EQ(sync.runs[0].best_val, async.runs[0].best_val);
  EXPECT_NE(log.str().find("history I/O async"), std::string::npos);
}

TEST(Experiment, LayerwiseEvaluationMatchesFullBatchEvaluation) {
  std::ostringstream log;
  const ExperimentResult full = run_experiment(tiny({"epochs=5"}), log);
  const ExperimentResult layerwise = run_experiment(tiny({"epochs=5", "params.inference=layerwise"}), log);
  EXPECT_NEAR(full.runs[0].test, layerwise.runs[0].test, 1e-3);
  EXPECT_NEAR(full.runs[0].best_val, layerwise.runs[0].best_val, 1e-3);
}

// Beyond plain GAS: evaluation that leaves the histories alone trains the
// same way whichever inference runs it (layer-wise buffers of its own);
// staleness is logged per epoch and summarised by age; the refresh schedule
// counts its passes; a model that cannot take out-of-batch momentum is named.
TEST(Experiment, StalenessAndHistoryMethodsAreReported) {
  std::ostringstream log;
  const std::vector<std::string> stale = {"epochs=4", "runs=1", "params.eval_refresh=false", "params.architecture.num_layers=3"};
  std::vector<std::string> layerwise = stale;
  layerwise.push_back("params.inference=layerwise");
  const ExperimentResult full = run_experiment(tiny(stale), log);
  const ExperimentResult lw = run_experiment(tiny(layerwise), log);
  EXPECT_NEAR(full.runs[0].test, lw.runs[0].test, 1e-3);
  const ExperimentResult refreshed = run_experiment(tiny({"epochs=4", "params.architecture.num_layers=3"}), log);
  EXPECT_NE(full.runs[0].best_val, refreshed.runs[0].best_val) << "the per-epoch refresh changes training";

  const std::string dir = testing::temp_dir() + "/stale";
  std::vector<std::string> measured = stale;
  for (const char* o : {"staleness=true", "params.refresh_every=2", "params.ob_momentum=0.5",
                        "params.history_momentum=0.2", "log_every=1"})
    measured.push_back(o);
  measured.push_back("out_dir=" + dir);
  std::ostringstream out;
  run_experiment(tiny(measured), out);
  EXPECT_NE(out.str().find("| stale h0 "), std::string::npos) << out.str();
  std::istringstream lines(testing::read_file(dir + "/metrics.jsonl"));
  std::string line;
  int64_t epochs = 0;
  while (std::getline(lines, line)) {
    const nlohmann::json j = nlohmann::json::parse(line);
    ASSERT_TRUE(j.contains("staleness")) << line;
    EXPECT_EQ(j["staleness"].size(), 2u);
    ++epochs;
  }
  EXPECT_EQ(epochs, 4);
  const nlohmann::json summary = nlohmann::json::parse(testing::read_file(dir + "/summary.json"));
  EXPECT_EQ(summary["staleness"]["measurements"], 4);
  EXPECT_EQ(summary["staleness"]["by_age"].size(), 2u);
  EXPECT_EQ(summary["refresh"]["passes"], 4 * 3 / 2) << "6 parts in batches of 2: 3 batches an epoch";
  EXPECT_EQ(summary["refresh"]["mode"], "eval");
  // A training-mode refresh (dropout drawn) writes other rows than the exact
  // one, so training takes another course from the first refresh on.
  double last_loss[2];
  for (const bool train : {false, true}) {
    std::vector<std::string> refreshing = stale;
    refreshing.push_back("params.refresh_every=1");
    if (train) refreshing.push_back("params.refresh_mode=train");
    const std::string rdir = dir + (train ? "_train" : "_eval");
    refreshing.push_back("out_dir=" + rdir);
    run_experiment(tiny(refreshing), log);
    const nlohmann::json s = nlohmann::json::parse(testing::read_file(rdir + "/summary.json"));
    EXPECT_EQ(s["refresh"]["mode"], train ? "train" : "eval");
    std::istringstream epochs_of(testing::read_file(rdir + "/metrics.jsonl"));
    while (std::getline(epochs_of, line)) last_loss[train] = nlohmann::json::parse(line)["loss"].get<double>();
  }
  EXPECT_NE(last_loss[0], last_loss[1]);

  EXPECT_THROW_WITH(run_experiment(tiny({"model=gat", "epochs=1", "params.ob_momentum=0.5"}), log),
                    "ob_momentum: model gat");
}

// The run directory holds the resolved config, one JSON line per epoch, the
// summary, and exports in the original node order: predictions read back
// from disk score exactly the reported test accuracy against the labels of a
// freshly generated (never permuted) copy of the graph.
TEST(Experiment, RunDirectoryAndExportsInOriginalOrder) {
  const std::string dir = testing::temp_dir() + "/run";
  std::ostringstream log;
  const ExperimentResult r = run_experiment(
      tiny({"epochs=6", "runs=1", "out_dir=" + dir, "export=[predictions, logits, embeddings]", "export_format=npy"}),
      log);
  EXPECT_NE(testing::read_file(dir + "/config.yaml").find("num_parts: 6"), std::string::npos);
  const std::string metrics = testing::read_file(dir + "/metrics.jsonl");
  EXPECT_EQ(std::count(metrics.begin(), metrics.end(), '\n'), 6);
  EXPECT_NE(metrics.find("\"pull_s\""), std::string::npos);
  const nlohmann::json summary = nlohmann::json::parse(testing::read_file(dir + "/summary.json"));
  EXPECT_NEAR(summary["mean"].get<double>(), r.mean, 1e-9);
  for (const char* key : {"load_s", "partition_s", "static_data_mb", "history_mb"}) EXPECT_TRUE(summary.contains(key));

  const npy::Array pred = npy::read_file(dir + "/predictions.npy");
  ASSERT_EQ(pred.shape, (std::vector<int64_t>{1500}));
  ASSERT_EQ(pred.dtype(), "int64");
  const at::Tensor predictions = at::from_blob(const_cast<uint8_t*>(pred.data.data()), {1500}, at::kLong).clone();
  const npy::Array logits = npy::read_file(dir + "/logits.npy");
  ASSERT_EQ(logits.shape, (std::vector<int64_t>{1500, 8}));
  const at::Tensor l = at::from_blob(const_cast<uint8_t*>(logits.data.data()), {1500, 8}, at::kFloat);
  EXPECT_TRUE(at::equal(l.argmax(1), predictions));
  EXPECT_EQ(npy::read_file(dir + "/embeddings.npy").shape, (std::vector<int64_t>{1500, 64}));

  const Dataset original = make_synthetic(SyntheticOptions().num_nodes(1500).feature_noise(4));
  const double test =
      predictions.eq(original.y).masked_select(original.test_mask).to(at::kDouble).mean().item<double>();
  EXPECT_NEAR(test, r.runs.back().test, 1e-9);

  const std::string csv = dir + "/csv";
  run_experiment(tiny({"epochs=1", "out_dir=" + csv, "export=predictions", "export_format=csv"}), log);
  EXPECT_EQ(testing::read_file(csv + "/predictions.csv").substr(0, 11), "node_id,v0\n");
}

TEST(Experiment, EvaluatesEveryNthEpoch) {
  const std::string dir = testing::temp_dir() + "/run";
  std::ostringstream log;
  const ExperimentResult r =
      run_experiment(tiny({"epochs=5", "runs=1", "log_every=1", "params.eval_every=2", "out_dir=" + dir}), log);
  const std::string metrics = testing::read_file(dir + "/metrics.jsonl");
  EXPECT_EQ(std::count(metrics.begin(), metrics.end(), '\n'), 5);
  size_t evaluated = 0;
  for (size_t at = metrics.find("\"val\""); at != std::string::npos; at = metrics.find("\"val\"", at + 1)) ++evaluated;
  EXPECT_EQ(evaluated, 3u) << "epochs 2, 4 and the last";
  EXPECT_NE(log.str().find("(not evaluated)"), std::string::npos);
  EXPECT_TRUE(r.runs[0].best_epoch % 2 == 0 || r.runs[0].best_epoch == 5);
}

TEST(Experiment, ProfileLinesBreakTheEpochDown) {
  std::ostringstream log;
  run_experiment(tiny({"epochs=1", "log_every=1", "profile=true"}), log);
  EXPECT_NE(log.str().find("[wait "), std::string::npos) << log.str();
  EXPECT_THROW_WITH(check_experiment_config(tiny({"export=weights"})), "unknown output 'weights'");
  EXPECT_THROW_WITH(check_experiment_config(tiny({"export=logits"})), "needs out_dir=DIR");
}

// A PPI-format directory of `graphs` graphs per split, 3 labels per node
// that the features reveal, links within each graph.
void write_inductive_fixture(const std::string& dir) {
  std::mt19937_64 rng(3);
  for (const auto& [split, graphs] :
       std::vector<std::pair<std::string, int>>{{"train", 3}, {"valid", 1}, {"test", 1}}) {
    const int n = 100 * graphs;
    std::vector<float> feats, labels;
    std::vector<int64_t> ids;
    std::string nodes, links;
    for (int v = 0; v < n; ++v) {
      for (int c = 0; c < 3; ++c) labels.push_back(static_cast<float>(rng() % 2));
      for (int c = 0; c < 3; ++c) feats.push_back(2 * labels[v * 3 + c] - 1 + 0.5f * ((rng() % 1000) / 500.f - 1));
      ids.push_back(v / 100);
      nodes += (v ? "," : "") + std::string("{\"id\": ") + std::to_string(v) + "}";
      for (int k = 0; k < 3; ++k) {
        const int u = (v / 100) * 100 + static_cast<int>(rng() % 100);
        links += (links.empty() ? "" : ",") + std::string("{\"source\": ") + std::to_string(v) +
                 ", \"target\": " + std::to_string(u) + "}";
      }
    }
    testing::write_file(dir + "/" + split + "_graph.json",
                        "{\"directed\": false, \"nodes\": [" + nodes + "], \"links\": [" + links + "]}");
    testing::write_file(dir + "/" + split + "_feats.npy", testing::npy<float>(feats, {n, 3}));
    testing::write_file(dir + "/" + split + "_labels.npy", testing::npy<float>(labels, {n, 3}));
    testing::write_file(dir + "/" + split + "_graph_id.npy", testing::npy<int64_t>(ids, {n}));
  }
}

// Inductive: trains on the training graphs only, evaluates on the
// validation and test graphs through the layer splitter, micro-F1.
TEST(Experiment, InductiveDatasetTrainsOnItsTrainingGraphs) {
  const std::string root = testing::temp_dir();
  write_inductive_fixture(root + "/PPI/raw");
  std::ostringstream log;
  const ExperimentResult r =
      run_experiment(compose_config("large", GAS_TEST_SOURCE_DIR "/configs", "",
                                    {"dataset=ppi", "root=" + root, "epochs=15", "log_every=0", "params.num_parts=6",
                                     "params.batch_size=2", "params.max_steps=0",
                                     "params.architecture.hidden_channels=32", "params.lr=0.01"}),
                     log);
  EXPECT_EQ(r.metric, "micro-F1");
  EXPECT_GT(r.mean, 80.0) << log.str();
  for (const char* graph :
       {"Partitioning train into 6 parts", "Partitioning val into 2 parts", "Partitioning test into 2 parts"})
    EXPECT_NE(log.str().find(graph), std::string::npos) << graph << "\n" << log.str();
}

TEST(Experiment, TooManyPartsIsReportedAfterLoading) {
  std::ostringstream log;
  EXPECT_THROW_WITH(run_experiment(tiny({"params.num_parts=5000"}), log),
                    "params.synthetic.num_parts: 5000 parts requested for a graph of 1500 nodes");
}

// A run that fails leaves an existing run directory as it was (the new one
// is written under a temporary name); an unwritable output location fails
// before loading anything; a successful run replaces the directory whole.
TEST(Experiment, AFailedRunNeverReplacesTheRunDirectory) {
  const std::string dir = testing::temp_dir() + "/run";
  std::ostringstream log;
  run_experiment(tiny({"epochs=2", "runs=1", "out_dir=" + dir}), log);
  const std::string metrics = dir + "/metrics.jsonl";
  ASSERT_TRUE(util::is_file(metrics));
  util::write_file_atomic(dir + "/mine.txt", "kept");
  EXPECT_THROW_WITH(run_experiment(tiny({"out_dir=" + dir, "params.num_parts=5000"}), log), "5000 parts requested");
  EXPECT_TRUE(util::is_file(dir + "/mine.txt")) << "the failed run replaced the directory";
  EXPECT_TRUE(util::is_file(metrics));
  run_experiment(tiny({"epochs=1", "runs=1", "out_dir=" + dir}), log);
  EXPECT_FALSE(util::is_file(dir + "/mine.txt")) << "a finished run replaces the directory whole";
  EXPECT_TRUE(util::is_file(dir + "/summary.json"));

  std::ostringstream probe_log;
  EXPECT_THROW_WITH(run_experiment(tiny({"out_dir=/proc/gas-run"}), probe_log), "out_dir: '/proc' is not writable");
  EXPECT_EQ(probe_log.str().find("Loading"), std::string::npos) << "nothing is loaded before the probe";
  EXPECT_THROW_WITH(run_experiment(tiny({"checkpoint_dir=/proc/gas-ckpt"}), probe_log),
                    "checkpoint_dir: '/proc/gas-ckpt' is not writable");
}

}  // namespace
}  // namespace gas
