#include <gas/config.h>
#include <gas/datasets/registry.h>
#include <gas/experiment.h>

#include "common/test_utils.h"

#include <filesystem>

namespace gas {
namespace {

namespace fs = std::filesystem;

const char* kYaml = R"(params:
  cora:
    lr: 0.01
    grad_norm: null
    other: none
    num_parts: 40
    architecture:
      hidden_channels: 16
)";

TEST(Config, TypedGettersAndDefaults) {
  const ConfigNode root = ConfigNode::parse(kYaml, "test.yaml");
  const ConfigNode p = root.child("params").child("cora");
  EXPECT_EQ(p.path(), "params.cora");
  EXPECT_DOUBLE_EQ(p.get_double("lr"), 0.01);
  EXPECT_EQ(p.get_int("num_parts"), 40);
  EXPECT_DOUBLE_EQ(p.get_double("num_parts"), 40.0);
  EXPECT_FALSE(p.get_optional_double("grad_norm").has_value());
  EXPECT_FALSE(p.get_optional_double("other").has_value());
  EXPECT_FALSE(p.get_optional_double("absent").has_value());
  EXPECT_EQ(p.get_int("epochs", 200), 200);
  EXPECT_EQ(p.child("architecture").get_int("hidden_channels"), 16);
  EXPECT_NO_THROW(root.check_unknown());
}

TEST(Config, ErrorsNameFileLineAndKey) {
  const ConfigNode p = ConfigNode::parse(kYaml, "test.yaml").child("params").child("cora");
  EXPECT_THROW_WITH(p.get_int("lr"), "test.yaml:3:5: params.cora.lr: expected an integer, got '0.01'");
  EXPECT_THROW_WITH(p.get_string("architecture"), "expected a string, got a mapping");
  EXPECT_THROW_WITH(p.get_int("epochs"), "params.cora.epochs: required key is missing");
  EXPECT_THROW_WITH(p.get_int_at_least("num_parts", 1, 50), "must be at least 50, got 40");
  EXPECT_THROW_WITH(p.get_choice("inference", "fast", {"full", "layerwise"}),
                    "unknown value 'fast' (valid: full, layerwise)");
  EXPECT_THROW_WITH(ConfigNode::parse("a: [1, 2", "bad.yaml"), "bad.yaml:");
  EXPECT_THROW_WITH(ConfigNode::parse("- 1\n- 2\n", "list.yaml"), "expected a mapping of keys at the top level");
  EXPECT_THROW_WITH(ConfigNode::load_file("/nonexistent/x.yaml"), "cannot open config file '/nonexistent/x.yaml'");
}

TEST(Config, UnknownKeysAreReportedWithTheValidOnes) {
  const ConfigNode root = ConfigNode::parse(kYaml, "test.yaml");
  const ConfigNode p = root.child("params").child("cora");
  p.get_double("lr");
  p.get_optional_double("grad_norm");
  p.accept("other");
  p.child("architecture").get_int("hidden_channels");
  EXPECT_THROW_WITH(root.check_unknown(),
                    "test.yaml:6:5: params.cora.num_parts: unknown key 'num_parts'; valid keys here: architecture, "
                    "grad_norm, lr, other");
}

TEST(Config, OverridesCreatePathsAndRememberTheirOrigin) {
  ConfigNode root = ConfigNode::parse(kYaml, "test.yaml");
  root.set("params.cora.lr", "0.5", "command line");
  root.set("params.cora.architecture.dropout", "0.25", "command line");
  root.set("params.pubmed.lr", "abc", "command line");
  const ConfigNode p = root.child("params").child("cora");
  EXPECT_DOUBLE_EQ(p.get_double("lr"), 0.5);
  EXPECT_DOUBLE_EQ(p.child("architecture").get_double("dropout"), 0.25);
  EXPECT_THROW_WITH(root.child("params").child("pubmed").get_double("lr"),
                    "command line: params.pubmed.lr: expected a number, got 'abc'");
  EXPECT_THROW_WITH(root.set("params.cora.lr.x", "1", "command line"), "'params.cora.lr' is '0.5', not a mapping");
  EXPECT_THROW_WITH(parse_override("lr"), "expected key=value");
  EXPECT_EQ(parse_override("a.b=c=d"), (std::pair<std::string, std::string>{"a.b", "c=d"}));
}

TEST(Config, JsonKeepsTypes) {
  const ConfigNode root = ConfigNode::parse("a: 1\nb: 0.5\nc: true\nd: null\ne: text\nf: '7'\ng: [1, 2]\n", "t");
  EXPECT_EQ(root.to_json(),
            "{\n  \"a\": 1,\n  \"b\": 0.5,\n  \"c\": true,\n  \"d\": null,\n  \"e\": \"text\",\n  \"f\": \"7\",\n  "
            "\"g\": [\n    1,\n    2\n  ]\n}");
}

std::string config_dir() { return GAS_TEST_SOURCE_DIR "/configs"; }

TEST(Compose, SelectsTheDatasetBlockAndAppliesOverrides) {
  const ConfigNode c = compose_config("small", config_dir(), "",
                                      {"dataset=cora", "runs=3", "params.lr=0.005", "params.architecture.dropout=0.1"});
  EXPECT_EQ(c.get_string("model"), "gcn");
  EXPECT_EQ(c.get_int("runs"), 3);
  const ConfigNode params = c.child("params");
  EXPECT_EQ(params.keys(), std::vector<std::string>{"cora"});
  EXPECT_DOUBLE_EQ(params.child("cora").get_double("lr"), 0.005);
  EXPECT_DOUBLE_EQ(params.child("cora").child("architecture").get_double("dropout"), 0.1);
  EXPECT_NO_THROW(check_experiment_config(c));
}

TEST(Compose, RejectsUnknownArgumentsModelsDatasetsAndKeys) {
  EXPECT_THROW_WITH(compose_config("small", config_dir(), "", {"epoch=3"}),
                    "unknown argument 'epoch=3' (valid keys: model, dataset, root, device, runs, epochs");
  EXPECT_THROW_WITH(compose_config("small", config_dir(), "", {"model=gcnn"}), "unknown model 'gcnn'");
  EXPECT_THROW_WITH(compose_config("small", config_dir(), "", {"dataset=corra"}), "unknown dataset 'corra' (known:");
  EXPECT_THROW_WITH(
      check_experiment_config(compose_config("small", config_dir(), "", {"dataset=cora", "params.lrr=1"})),
      "command line: params.cora.lrr: unknown key 'lrr'");
  EXPECT_THROW_WITH(
      check_experiment_config(compose_config("small", config_dir(), "", {"dataset=cora", "params.lr=fast"})),
      "params.cora.lr: expected a number, got 'fast'");
  EXPECT_THROW_WITH(check_experiment_config(compose_config("small", config_dir(), "", {"params.batch_size=0"})),
                    "params.synthetic.batch_size: must be at least 1, got 0");
  EXPECT_THROW_WITH(check_experiment_config(compose_config("small", config_dir(), "", {"runs=-2"})),
                    "runs: must be at least 1, got -2");
  EXPECT_THROW_WITH(
      check_experiment_config(compose_config("small", config_dir(), "", {"params.architecture.hidden_channels=0"})),
      "hidden_channels: must be at least 1");
  EXPECT_THROW_WITH(check_experiment_config(compose_config("small", config_dir(), "", {"device=tpu"})),
                    "device: unknown device 'tpu'");
}

TEST(Compose, ExplicitConfigFileWithRunKeys) {
  const std::string file = testing::write_file(testing::temp_dir() + "/exp.yaml",
                                               "model: gcn\nnorm: true\ndataset: mine\nparams:\n  mine: {}\n");
  EXPECT_THROW_WITH(compose_config("small", config_dir(), file, {}), "unknown dataset 'mine'");
  const std::string ok =
      testing::write_file(testing::temp_dir() + "/ok.yaml",
                          "model: gcn\ndataset: synthetic\nepochs: 2\nparams:\n  synthetic:\n    num_parts: 4\n");
  const ConfigNode c = compose_config("small", config_dir(), ok, {"seed=5"});
  EXPECT_EQ(c.get_int("epochs"), 2);
  EXPECT_EQ(c.get_int("seed"), 5);
  EXPECT_NO_THROW(check_experiment_config(c));
}

// Every block of every shipped config validates against its schema.
TEST(Compose, EveryShippedConfigValidates) {
  int checked = 0;
  for (const char* suite : {"small", "large"}) {
    const fs::path dir = fs::path(config_dir()) / suite;
    if (!fs::exists(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() != ".yaml") continue;
      const ConfigNode file = ConfigNode::load_file(entry.path().string());
      for (const std::string& dataset : file.child("params").keys()) {
        SCOPED_TRACE(entry.path().string() + " / " + dataset);
        if (!has_dataset(dataset)) {
          ADD_FAILURE() << "config block for a dataset gas cannot load: " << dataset;
          continue;
        }
        EXPECT_NO_THROW(check_experiment_config(
            compose_config(suite, config_dir(), entry.path().string(), {"dataset=" + dataset})));
        ++checked;
      }
    }
  }
  EXPECT_GE(checked, 4);
}

}  // namespace
}  // namespace gas
