// Models by name: every model known, bad architectures refused at start-up.
#include <gas/models/registry.h>

#include "common/test_utils.h"

namespace gas {
namespace {

TEST(ModelRegistry, ListsModelsAndRejectsBadArchitectures) {
  EXPECT_EQ(models::model_names(),
            (std::vector<std::string>{"appnp", "gat", "gcn", "gcn2", "gin", "pna", "pna_jk", "sage"}));
  EXPECT_THROW_WITH(models::model_from_config("mlp", ConfigNode()), "unknown model 'mlp' (known: appnp, gat");
  EXPECT_THROW_WITH(models::model_from_config("pna", ConfigNode::parse("{aggregators: [median]}", "a")),
                    "unknown aggregator 'median'");
  EXPECT_THROW_WITH(models::model_from_config("gat", ConfigNode::parse("{hidden_heads: 0}", "a.yaml")),
                    "hidden_heads: must be at least 1");
  EXPECT_THROW_WITH(models::model_from_config("appnp", ConfigNode::parse("{alpha: 2}", "a.yaml")),
                    "alpha: must be in [0, 1]");
}

}  // namespace
}  // namespace gas
