// The key table: one schema behind the options, --help and the README.
#include <gas/experiment.h>
#include <gas/loader.h>
#include <gas/run_options.h>
#include <gas/train.h>

#include "common/test_utils.h"

#include <fstream>
#include <set>
#include <sstream>

namespace gas {
namespace {

ConfigNode synthetic(const std::string& block_yaml = "{}") {
  return ConfigNode::parse("{model: gcn, dataset: synthetic, params: {synthetic: " + block_yaml + "}}", "test.yaml");
}

TEST(RunOptions, KeysAreUniqueAndDocumented) {
  std::set<std::string> names;
  for (const RunKey& key : run_keys()) {
    EXPECT_TRUE(names.insert(key.name).second) << "duplicate key " << key.name;
    EXPECT_FALSE(key.type.empty()) << key.name;
    EXPECT_FALSE(key.help.empty()) << key.name;
  }
  const std::string help = key_help();
  for (const std::string& name : names) EXPECT_NE(help.find("  " + name + "="), std::string::npos) << name;
}

// The table's defaults are the options' own, and agree with the library's
// where a key feeds a library option.
TEST(RunOptions, DefaultsAgreeWithTheLibrary) {
  const RunOptions o = RunOptions::from_config(synthetic());
  const SubgraphLoaderOptions loader;
  EXPECT_EQ(o.batch_size, loader.batch_size());
  EXPECT_EQ(o.num_workers, loader.num_workers());
  EXPECT_EQ(static_cast<uint64_t>(o.seed), loader.seed());
  EXPECT_EQ(o.precompute.has_value(), loader.precompute().has_value());
  const TrainEpochOptions epoch;
  EXPECT_EQ(o.max_steps, epoch.max_steps());
  EXPECT_EQ(o.grad_norm.has_value(), epoch.grad_norm().has_value());
  EXPECT_EQ(o.epochs, 200);  // the paper's, when a block says nothing
  EXPECT_EQ(o.device, c10::Device(c10::kCPU));
  EXPECT_TRUE(o.warnings.empty());
}

// Every default the table shows is a value its own key accepts, and reading
// it back changes nothing the table shows.
TEST(RunOptions, ShownDefaultsReadBack) {
  const RunOptions defaults;
  for (const RunKey& key : run_keys()) {
    const std::string d = key.show_default(defaults);
    if (d.empty() || d == "none" || d.find(' ') != std::string::npos) continue;  // mappings, unset, prose
    ConfigNode c = synthetic();
    c.set(key.scope == RunKey::Scope::Block ? "params.synthetic." + key.name : key.name, d, "test");
    RunOptions o;
    ASSERT_NO_THROW(o = RunOptions::from_config(c)) << key.name << "=" << d;
    EXPECT_EQ(key.show_default(o), d) << key.name;
  }
}

TEST(RunOptions, BothScopedKeysLetTheTopLevelWin) {
  ConfigNode c = synthetic("{runs: 3, epochs: 7}");
  RunOptions o = RunOptions::from_config(c);
  EXPECT_EQ(o.runs, 3);
  EXPECT_EQ(o.epochs, 7);
  c.set("epochs", "2", "command line");
  o = RunOptions::from_config(c);
  EXPECT_EQ(o.epochs, 2);
}

TEST(RunOptions, KeysWithoutEffectWarn) {
  const RunOptions o = RunOptions::from_config(synthetic("{pool_size: 2, part_size: 50}"));
  ASSERT_EQ(o.warnings.size(), 2u);
  EXPECT_NE(o.warnings[0].find("part_size: has no effect without num_parts: auto"), std::string::npos);
  EXPECT_NE(o.warnings[1].find("pool_size: has no effect without history_io=async"), std::string::npos);
  EXPECT_TRUE(RunOptions::from_config(synthetic("{num_parts: auto, part_size: 50}")).warnings.empty());
  EXPECT_EQ(RunOptions::from_config(synthetic("{num_parts: auto, part_size: 50}")).num_parts, 0);
  // A block whose one warning says `text`.
  const auto warns_once = [](const std::string& block, const std::string& text) {
    const std::vector<std::string> warnings = RunOptions::from_config(synthetic(block)).warnings;
    ASSERT_EQ(warnings.size(), 1u) << block;
    EXPECT_NE(warnings[0].find(text), std::string::npos) << warnings[0];
  };
  warns_once("{inference_output: host}", "inference_output: has no effect without inference=layerwise");
  const RunOptions layerwise = RunOptions::from_config(synthetic("{inference: layerwise, inference_output: host}"));
  EXPECT_TRUE(layerwise.warnings.empty());
  EXPECT_TRUE(layerwise.inference_output_on_host);
  EXPECT_FALSE(RunOptions::from_config(synthetic("{inference: layerwise}")).inference_output_on_host);
  warns_once("{refresh_mode: train}", "refresh_mode: has no effect without refresh_every");
  const RunOptions train = RunOptions::from_config(synthetic("{refresh_every: 2, refresh_mode: train}"));
  EXPECT_TRUE(train.warnings.empty());
  EXPECT_TRUE(train.refresh_training);
  EXPECT_FALSE(RunOptions::from_config(synthetic("{refresh_every: 2}")).refresh_training);
}

TEST(RunOptions, BadValuesNameTheKey) {
  EXPECT_THROW_WITH(RunOptions::from_config(synthetic("{lr: 0}")), "params.synthetic.lr: must be positive, got 0");
  EXPECT_THROW_WITH(RunOptions::from_config(synthetic("{reg_weight_decay: -1}")),
                    "params.synthetic.reg_weight_decay: must be >= 0, got -1");
  EXPECT_THROW_WITH(RunOptions::from_config(synthetic("{num_parts: many}")),
                    "params.synthetic.num_parts: expected an integer, got 'many'");
  EXPECT_THROW_WITH(RunOptions::from_config(synthetic("{history: disk}")),
                    "unknown value 'disk' (valid: host, device, mmap)");
  EXPECT_THROW_WITH(RunOptions::from_config(synthetic("{history_dtype: int8}")),
                    "unknown value 'int8' (valid: float32, float16, bfloat16)");
  EXPECT_THROW_WITH(RunOptions::from_config(synthetic("{history_dir: /tmp/h}")),
                    "params.synthetic.history_dir: needs history=mmap (history is host)");
  EXPECT_THROW_WITH(RunOptions::from_config(synthetic("{nmu_parts: 2}")), "unknown key 'nmu_parts'");
  EXPECT_THROW_WITH(RunOptions::from_config(synthetic("{history_momentum: 1}")),
                    "params.synthetic.history_momentum: must be in [0, 1), got 1");
  EXPECT_THROW_WITH(RunOptions::from_config(synthetic("{ob_momentum: -0.1}")),
                    "params.synthetic.ob_momentum: must be in [0, 1], got -0.1");
  EXPECT_THROW_WITH(RunOptions::from_config(synthetic("{refresh_every: -1}")), "params.synthetic.refresh_every");
}

// The README's table is generated from the same rows (scripts/readme_keys.sh).
TEST(RunOptions, ReadmeTableIsTheGeneratedOne) {
  std::ifstream in(std::string(GAS_TEST_SOURCE_DIR) + "/README.md");
  ASSERT_TRUE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  const std::string readme = text.str(), begin = "<!-- keys -->\n", end = "<!-- /keys -->";
  const size_t a = readme.find(begin), b = readme.find(end);
  ASSERT_NE(a, std::string::npos);
  ASSERT_NE(b, std::string::npos);
  EXPECT_EQ(readme.substr(a + begin.size(), b - a - begin.size()), key_table_markdown())
      << "README.md's key table is stale: run scripts/readme_keys.sh";
}

}  // namespace
}  // namespace gas
