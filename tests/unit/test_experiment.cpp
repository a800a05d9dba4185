#include <gas/experiment.h>

#include "common/test_utils.h"

#include <nlohmann/json.hpp>

#include <sstream>

namespace gas {
namespace {

ConfigNode tiny(const std::vector<std::string>& overrides) {
  std::vector<std::string> args = {"dataset=synthetic", "params.data.num_nodes=1500", "params.data.feature_noise=4",
                                   "params.num_parts=6", "params.batch_size=2", "log_every=0"};
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
  EXPECT_EQ(j["config"]["params"]["synthetic"]["num_parts"], 6);
  EXPECT_GT(j["runs"][0]["best_epoch"].get<int>(), 0);
}

TEST(Experiment, SameSeedSameResultWhateverTheLoaderWorkers) {
  std::ostringstream log;
  const ExperimentResult a = run_experiment(tiny({"epochs=4", "params.num_workers=0"}), log);
  const ExperimentResult b = run_experiment(tiny({"epochs=4", "params.num_workers=2", "threads=1"}), log);
  EXPECT_EQ(a.runs[0].test, b.runs[0].test);
  EXPECT_EQ(a.runs[0].best_val, b.runs[0].best_val);
}

TEST(Experiment, LayerwiseEvaluationMatchesFullBatchEvaluation) {
  std::ostringstream log;
  const ExperimentResult full = run_experiment(tiny({"epochs=5"}), log);
  const ExperimentResult layerwise = run_experiment(tiny({"epochs=5", "params.inference=layerwise"}), log);
  EXPECT_NEAR(full.runs[0].test, layerwise.runs[0].test, 1e-3);
  EXPECT_NEAR(full.runs[0].best_val, layerwise.runs[0].best_val, 1e-3);
}

TEST(Experiment, TooManyPartsIsReportedAfterLoading) {
  std::ostringstream log;
  EXPECT_THROW_WITH(run_experiment(tiny({"params.num_parts=5000"}), log),
                    "params.synthetic.num_parts: 5000 parts requested for a graph of 1500 nodes");
}

}  // namespace
}  // namespace gas
