// The Planetoid reader on the real Cora and CiteSeer (as PyG loads them) and
// on damaged copies of them.
#include <gas/datasets/planetoid.h>
#include <gas/datasets/registry.h>

#include "common/datasets.h"
#include "common/test_utils.h"

#include <filesystem>

namespace gas {
namespace {

namespace fs = std::filesystem;
using namespace gas::testing;

// The sizes PyG's Planetoid gives: nodes, directed edges, features, classes,
// single-label targets, a symmetric graph, `train` training nodes and
// PyG's 500 validation and 1000 test nodes.
void expect_sizes(const Dataset& d, int64_t nodes, int64_t edges, int64_t features, int64_t classes, int64_t train) {
  EXPECT_EQ(d.num_nodes(), nodes);
  EXPECT_EQ(d.adj.nnz(), edges);
  EXPECT_EQ(d.num_features(), features);
  EXPECT_EQ(d.num_classes, classes);
  EXPECT_FALSE(d.multilabel());
  EXPECT_TRUE(symmetric(d.adj));
  EXPECT_EQ(d.mask(Split::Train).sum().item<int64_t>(), train);
  EXPECT_EQ(d.mask(Split::Val).sum().item<int64_t>(), 500);
  EXPECT_EQ(d.mask(Split::Test).sum().item<int64_t>(), 1000);
}

TEST(Planetoid, CoraMatchesPyG) {
  GAS_REQUIRE_FILE(planetoid_dir("Cora") + "/ind.cora.graph");
  const Dataset d = load_dataset("cora", testing::data_dir());
  expect_sizes(d, 2708, 10556, 1433, 7, 140);
  EXPECT_TRUE(d.mask(Split::Train).slice(0, 0, 140).all().item<bool>());
  EXPECT_TRUE(d.mask(Split::Val).slice(0, 140, 640).all().item<bool>());
  EXPECT_EQ(remove_self_loops(d.adj).nnz(), d.adj.nnz());
  EXPECT_TRUE(at::equal(at::bincount(d.y), at::tensor({351, 217, 418, 818, 426, 298, 180}, at::kLong)));
  // NormalizeFeatures: every row sums to one (Cora has no empty rows).
  EXPECT_LT((d.x.sum(1) - 1).abs().max().item<float>(), 1e-5);
}

TEST(Planetoid, CiteSeerMatchesPyG) {
  GAS_REQUIRE_FILE(planetoid_dir("CiteSeer") + "/ind.citeseer.graph");
  const Dataset d = load_dataset("citeseer", testing::data_dir());
  expect_sizes(d, 3327, 9104, 3703, 6, 120);
  // The 15 test-range ids without a tx row (e.g. 2407, 2489) get zero
  // features and are in no split.
  for (int64_t id : {2407, 2489}) {
    EXPECT_EQ(d.x[id].abs().sum().item<float>(), 0.0f) << id;
    EXPECT_FALSE(d.test_mask[id].item<bool>()) << id;
  }
  const at::Tensor test_range = at::arange(2312, 3327, at::kLong);
  EXPECT_EQ(d.test_mask.index_select(0, test_range).logical_not().sum().item<int64_t>(), 15);
}

// Copies the Cora raw files to a scratch root so a test can damage one.
std::string scratch_cora() {
  const std::string root = testing::temp_dir();
  fs::create_directories(root + "/Planetoid/Cora/raw");
  for (const auto& entry : fs::directory_iterator(planetoid_dir("Cora")))
    fs::copy_file(entry.path(), root + "/Planetoid/Cora/raw/" + entry.path().filename().string());
  return root;
}

TEST(Planetoid, MissingOrDamagedFilesGiveClearErrors) {
  GAS_REQUIRE_FILE(planetoid_dir("Cora") + "/ind.cora.graph");
  const std::string root = scratch_cora();
  const std::string raw = root + "/Planetoid/Cora/raw/";

  const std::string y = testing::read_file(raw + "ind.cora.ally");
  testing::write_file(raw + "ind.cora.ally", y.substr(0, y.size() / 2));
  EXPECT_THROW_WITH(load_dataset("cora", root), "ind.cora.ally");
  testing::write_file(raw + "ind.cora.ally", y);

  // Damage inside the label bytes still parses as a pickle: the one-hot check catches it.
  std::string damaged = y;
  damaged.replace(damaged.size() / 2, 4, "\x07\x07\x07\x07");
  testing::write_file(raw + "ind.cora.ally", damaged);
  EXPECT_THROW_WITH(load_dataset("cora", root), "ind.cora.ally: row ");
  EXPECT_THROW_WITH(load_dataset("cora", root), "expected one-hot 0/1 rows");
  testing::write_file(raw + "ind.cora.ally", y);

  const std::string index = testing::read_file(raw + "ind.cora.test.index");
  testing::write_file(raw + "ind.cora.test.index", "1708\n17x9\n");
  EXPECT_THROW_WITH(load_dataset("cora", root), "line 2: expected a node id, got '17x9'");
  testing::write_file(raw + "ind.cora.test.index", index);

  testing::write_file(raw + "ind.cora.graph", "");
  EXPECT_THROW_WITH(load_dataset("cora", root), "empty file");

  fs::remove(raw + "ind.cora.tx");
  EXPECT_THROW_WITH(load_dataset("cora", root), "missing raw file");
  EXPECT_THROW_WITH(load_dataset("cora", root + "/nowhere"), "missing raw file");
}

}  // namespace
}  // namespace gas
