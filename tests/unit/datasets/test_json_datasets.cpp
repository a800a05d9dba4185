// The JSON-format datasets (WikiCS, GraphSAINT's Flickr, Yelp and Reddit,
// PPI) on fixtures written here with every expected value worked out by hand.
#include <gas/config.h>
#include <gas/datasets/json_datasets.h>
#include <gas/datasets/registry.h>

#include "common/datasets.h"
#include "common/fixtures.h"
#include "common/test_utils.h"

#include <filesystem>

namespace gas {
namespace {

namespace fs = std::filesystem;
using namespace gas::testing;
using testing::npy;  // not the parsers' namespace gas::npy

TEST(WikiCS, SymmetrisesAndUsesStoppingMasksForValidation) {
  const std::string root = testing::temp_dir();
  write_file(root + "/WIKICS/raw/data.json",
             R"({"features": [[0.5, 1], [2, 3], [4, 5]], "labels": [0, 2, 1], "links": [[1], [2, 0], []],
                 "train_masks": [[1, 0, 0], [0, 1, 0]], "val_masks": [[0, 1, 0], [0, 0, 1]],
                 "stopping_masks": [[0, 0, 1], [1, 0, 0]], "test_mask": [0, 0, 1]})");
  const Dataset d = load_dataset("wikics", root);
  expect_rows(d.adj, {{1}, {0, 2}, {1}});
  EXPECT_TRUE(at::equal(d.x, floats({0.5f, 1, 2, 3, 4, 5}).view({3, 2})));
  EXPECT_EQ(d.num_classes, 3);
  EXPECT_EQ(d.num_splits(), 2);
  EXPECT_TRUE(at::equal(d.mask(Split::Train, 0), bools({1, 0, 0})));
  EXPECT_TRUE(at::equal(d.mask(Split::Train, 1), bools({0, 1, 0})));
  EXPECT_TRUE(at::equal(d.mask(Split::Val, 0), bools({0, 0, 1})));
  EXPECT_TRUE(at::equal(d.mask(Split::Val, 1), bools({1, 0, 0})));
  EXPECT_EQ(d.test_mask.dim(), 1);
  EXPECT_TRUE(at::equal(d.mask(Split::Test, 1), bools({0, 0, 1})));
  fs::remove(root + "/WIKICS/raw/data.json");
  EXPECT_THROW_WITH(load_dataset("wikics", root), "WikiCS: missing raw file '" + root + "/WIKICS/raw/data.json'");
}

// 4 nodes; adj_full row 0 lists 1 twice, row 2 lists 1 and 3 (3 -> 2 is
// absent), row 3 lists itself; features column 0 = 1..4, column 1 constant.
void write_saint(const std::string& dir, const std::string& class_map) {
  testing::write_zip(dir + "/adj_full.npz",
                     {{"data.npy", npy<float>({1, 1, 1, 1, 1, 1, 1}, {7})},
                      {"indices.npy", npy<int32_t>({1, 1, 0, 2, 1, 3, 3}, {7})},
                      {"indptr.npy", npy<int32_t>({0, 2, 4, 6, 7}, {5})},
                      {"shape.npy", npy<int64_t>({4, 4}, {2})}},
                     true);
  write_file(dir + "/feats.npy", npy<double>({1, 5, 2, 5, 3, 5, 4, 5}, {4, 2}));
  write_file(dir + "/class_map.json", class_map);
  write_file(dir + "/role.json", R"({"tr": [0, 1], "va": [2], "te": [3]})");
}

TEST(GraphSaint, FlickrKeepsEdgesAsStoredAndFeaturesAsGiven) {
  const std::string root = testing::temp_dir();
  write_saint(root + "/Flickr/raw", R"({"3": 2, "0": 2, "1": 0, "2": 1})");
  const Dataset d = load_dataset("flickr", root);
  // Target-major: stored (2, 3) is the edge 2 -> 3, so row 3 gains column 2.
  expect_rows(d.adj, {{1}, {0, 2}, {1}, {2, 3}});
  EXPECT_TRUE(at::equal(d.x, floats({1.f, 5, 2, 5, 3, 5, 4, 5}).view({4, 2})));
  EXPECT_TRUE(at::equal(d.y, at::tensor({2, 0, 1, 2}, at::kLong)));
  EXPECT_EQ(d.num_classes, 3);
  EXPECT_TRUE(at::equal(d.train_mask, bools({1, 1, 0, 0})));
  EXPECT_TRUE(at::equal(d.val_mask, bools({0, 0, 1, 0})));
  EXPECT_TRUE(at::equal(d.test_mask, bools({0, 0, 0, 1})));

  // data.mmap: float32 features are mapped; float64 ones are refused, naming the file.
  ConfigNode mapped;
  mapped.set("mmap", "true", "test");
  EXPECT_THROW_WITH(load_dataset("flickr", root, mapped), "feats.npy: data.mmap maps float32 [N, F]");
  write_file(root + "/Flickr/raw/feats.npy", npy<float>({1, 5, 2, 5, 3, 5, 4, 5}, {4, 2}));
  EXPECT_TRUE(at::equal(load_dataset("flickr", root, mapped).x, d.x));
}

TEST(GraphSaint, YelpIsMultiLabelAndStandardised) {
  const std::string root = testing::temp_dir();
  write_saint(root + "/YELP/raw", R"({"3": [1, 1, 1], "0": [1, 0, 1], "1": [0, 0, 0], "2": [0, 1, 0]})");
  const Dataset d = load_dataset("yelp", root);
  EXPECT_TRUE(d.multilabel());
  EXPECT_EQ(d.num_classes, 3);
  EXPECT_TRUE(at::equal(d.y, floats({1.f, 0, 1, 0, 0, 0, 0, 1, 0, 1, 1, 1}).view({4, 3})));
  // Column 0 = 1..4: mean 2.5, unbiased std sqrt(5/3); column 1 is constant and becomes 0.
  const double sd = std::sqrt(5.0 / 3.0);
  const at::Tensor expected =
      at::tensor({-1.5 / sd, 0.0, -0.5 / sd, 0.0, 0.5 / sd, 0.0, 1.5 / sd, 0.0}, at::kFloat).view({4, 2});
  EXPECT_LT(testing::max_rel_diff(d.x, expected), 1e-6);
  ConfigNode mapped;
  mapped.set("mmap", "true", "test");
  EXPECT_THROW_WITH(load_dataset("yelp", root, mapped), "Yelp's features are standardised in memory");
}

TEST(GraphSaint, BadFilesNameTheProblem) {
  const std::string root = testing::temp_dir();
  const std::string dir = root + "/Reddit2/raw";
  write_saint(dir, R"({"0": 0, "1": 1, "2": 0})");
  EXPECT_THROW_WITH(load_dataset("reddit", root), "class_map.json: no label for node 3 (of 4)");
  write_file(dir + "/class_map.json", R"({"0": 0, "1": 1, "2": 0, "9": 1})");
  EXPECT_THROW_WITH(load_dataset("reddit", root), "class_map.json: node id 9 outside [0, 4)");
  write_file(dir + "/class_map.json", R"({"0": 0, "1": 1, "2": 0, "3": 1})");
  write_file(dir + "/role.json", R"({"tr": [0, 7], "va": [2], "te": [3]})");
  EXPECT_THROW_WITH(load_dataset("reddit", root), "role.json (tr): node id 7 outside [0, 4)");
  write_file(dir + "/role.json", R"({"tr": [0], "va": [2]})");
  EXPECT_THROW_WITH(load_dataset("reddit", root), "role.json: missing key 'te'");
  write_file(dir + "/role.json", R"({"tr": [0], "va": [2], "te": [3]})");
  write_file(dir + "/feats.npy", npy<float>({1, 2, 3}, {3, 1}));
  EXPECT_THROW_WITH(load_dataset("reddit", root), "feats.npy: 3 rows for the 4 nodes of adj_full.npz");
  const std::string feats = npy<float>({1, 2, 3, 4}, {4, 1});
  write_file(dir + "/feats.npy", feats.substr(0, feats.size() - 2));
  EXPECT_THROW_WITH(load_dataset("reddit", root), "feats.npy: truncated");
  fs::remove(dir + "/role.json");
  EXPECT_THROW_WITH(load_dataset("reddit", root),
                    "Reddit: missing raw file '" + dir + "/role.json'; expected GraphSAINT's");
}

void write_ppi(const std::string& dir) {
  // train: nodes 0..3 in graphs 2, 1, 2, 1; links 0-2, 1-3, 0-1 (across
  // graphs: dropped) and a self-loop at 2 (dropped).
  write_file(dir + "/train_graph.json",
             R"({"directed": false, "multigraph": false, "graph": {},
                 "nodes": [{"id": 0, "test": false}, {"id": 1}, {"id": 2}, {"id": 3}],
                 "links": [{"source": 0, "target": 2}, {"source": 1, "target": 3}, {"source": 0, "target": 1},
                           {"source": 2, "target": 2}]})");
  write_file(dir + "/train_feats.npy", npy<float>({0, 1, 2, 3}, {4, 1}));
  write_file(dir + "/train_labels.npy", npy<int64_t>({1, 0, 0, 1, 1, 1, 0, 0}, {4, 2}));
  write_file(dir + "/train_graph_id.npy", npy<int64_t>({2, 1, 2, 1}, {4}));
  write_file(dir + "/valid_graph.json",
             R"({"directed": false, "nodes": [{"id": 1}, {"id": 0}], "links": [{"source": 0, "target": 1}]})");
  write_file(dir + "/valid_feats.npy", npy<float>({10, 11}, {2, 1}));
  write_file(dir + "/valid_labels.npy", npy<int64_t>({0, 1, 1, 0}, {2, 2}));
  write_file(dir + "/valid_graph_id.npy", npy<int64_t>({5, 5}, {2}));
  // test: a directed graph, links 0 -> 1 and 2 -> 1.
  write_file(dir + "/test_graph.json",
             R"({"directed": true, "nodes": [{"id": 0}, {"id": 1}, {"id": 2}],
                 "links": [{"source": 0, "target": 1}, {"source": 2, "target": 1}]})");
  write_file(dir + "/test_feats.npy", npy<double>({20, 21, 22}, {3, 1}));
  write_file(dir + "/test_labels.npy", npy<float>({1, 1, 0, 0, 1, 0}, {3, 2}));
  write_file(dir + "/test_graph_id.npy", npy<int32_t>({7, 7, 7}, {3}));
}

TEST(Ppi, DisjointUnionOfTheSplitsGraphs) {
  const std::string root = testing::temp_dir();
  write_ppi(root + "/PPI/raw");
  const Dataset d = load_dataset("ppi", root);
  EXPECT_TRUE(d.inductive);
  EXPECT_TRUE(d.multilabel());
  EXPECT_EQ(d.num_classes, 2);
  // Train nodes by graph then id: 1, 3 (graph 1), 0, 2 (graph 2), then valid, then test.
  EXPECT_TRUE(at::equal(d.x.view(-1), floats({1.f, 3, 0, 2, 10, 11, 20, 21, 22})));
  EXPECT_TRUE(at::equal(d.y.select(1, 0), floats({0.f, 0, 1, 1, 0, 1, 1, 0, 1})));
  // 1-3 -> 0-1, 0-2 -> 2-3, valid 0-1 -> 4-5; test 0 -> 1, 2 -> 1 -> row 7 gets 6 and 8.
  expect_rows(d.adj, {{1}, {0}, {3}, {2}, {5}, {4}, {}, {6, 8}, {}});
  EXPECT_TRUE(at::equal(d.train_mask, bools({1, 1, 1, 1, 0, 0, 0, 0, 0})));
  EXPECT_TRUE(at::equal(d.val_mask, bools({0, 0, 0, 0, 1, 1, 0, 0, 0})));
  EXPECT_TRUE(at::equal(d.test_mask, bools({0, 0, 0, 0, 0, 0, 1, 1, 1})));

  const Dataset train = d.subgraph(d.train_mask);
  train.check();
  EXPECT_EQ(train.num_nodes(), 4);
  expect_rows(train.adj, {{1}, {0}, {3}, {2}});
  EXPECT_TRUE(train.inductive);
  EXPECT_TRUE(train.train_mask.all().item<bool>());
}

TEST(Ppi, BadFilesNameTheProblem) {
  const std::string root = testing::temp_dir();
  const std::string dir = root + "/PPI/raw";
  write_ppi(dir);
  write_file(dir + "/valid_graph.json", R"({"nodes": [{"id": 1}, {"id": 1}], "links": []})");
  EXPECT_THROW_WITH(load_dataset("ppi", root), "valid_graph.json: node id 1 listed twice");
  write_file(dir + "/valid_graph.json", R"({"nodes": [{"id": 0}, {"id": 1}], "links": [{"source": 0, "target": 2}]})");
  EXPECT_THROW_WITH(load_dataset("ppi", root), "valid_graph.json: link 0 names node 2, outside [0, 2)");
  write_file(dir + "/valid_graph.json", R"({"nodes": [{"id": 0}], "links": []})");
  EXPECT_THROW_WITH(load_dataset("ppi", root), "valid_graph.json: 1 nodes, but feats.npy has 2 rows");
  write_file(dir + "/valid_graph.json", R"({"nodes": [{"id": 0}, {"id": 1}], "links": []})");
  write_file(dir + "/valid_labels.npy", npy<int64_t>({0, 1, 1}, {3, 1}));
  EXPECT_THROW_WITH(load_dataset("ppi", root), "feats.npy has 2 rows, labels.npy 3, graph_id.npy 2");
  fs::remove(dir + "/test_graph_id.npy");
  EXPECT_THROW_WITH(load_dataset("ppi", root), "PPI: missing raw file '" + dir + "/test_graph_id.npy'");
}

}  // namespace
}  // namespace gas
