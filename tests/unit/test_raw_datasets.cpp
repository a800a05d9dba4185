// The raw-format dataset loaders: real files where ../shared/data has them
// (gnn-benchmark's Cora and CiteSeer npz, in the schema of Amazon and
// Coauthor), and small fixtures written here with every expected value
// worked out by hand.

#include <gas/datasets/registry.h>
#include <gas/datasets/json_datasets.h>
#include <gas/datasets/numpy_datasets.h>
#include <gas/datasets/ogb.h>

#include "common/fixtures.h"
#include "common/test_utils.h"

#include <filesystem>
#include <limits>

namespace gas {
namespace {

namespace fs = std::filesystem;
using testing::npy;
using testing::write_file;

// Expects adjacency rows equal to `rows` (columns sorted) and, when given, the weights.
void expect_rows(const CSR& adj, const std::vector<std::vector<int64_t>>& rows,
                 const std::vector<std::vector<float>>& weights = {}) {
  adj.check();
  ASSERT_EQ(adj.num_rows, static_cast<int64_t>(rows.size()));
  std::vector<int64_t> rowptr{0}, col;
  std::vector<float> value;
  for (size_t r = 0; r < rows.size(); ++r) {
    col.insert(col.end(), rows[r].begin(), rows[r].end());
    rowptr.push_back(static_cast<int64_t>(col.size()));
    if (!weights.empty()) value.insert(value.end(), weights[r].begin(), weights[r].end());
  }
  EXPECT_TRUE(at::equal(adj.rowptr, at::tensor(rowptr, at::kLong))) << adj.rowptr;
  EXPECT_TRUE(at::equal(adj.col, at::tensor(col, at::kLong))) << adj.col;
  if (weights.empty()) {
    EXPECT_FALSE(adj.has_value());
  } else {
    ASSERT_TRUE(adj.has_value());
    EXPECT_TRUE(at::allclose(adj.value, at::tensor(value, at::kFloat))) << adj.value;
  }
}

at::Tensor bools(const std::vector<int>& v) { return at::tensor(v, at::kInt).to(at::kBool); }
at::Tensor floats(const std::vector<float>& v) { return at::tensor(v, at::kFloat); }

// ------------------------------------------------------------ Amazon / Coauthor

std::string gnn_benchmark(const std::string& name) {
  return testing::data_dir() + "/GNNBenchmark/raw/" + name + ".npz";
}

void expect_gnn_benchmark(const Dataset& d, int64_t nodes, int64_t edges, int64_t features, int64_t feature_nnz,
                          int64_t classes) {
  d.check();
  EXPECT_EQ(d.num_nodes(), nodes);
  EXPECT_EQ(d.adj.nnz(), edges);
  EXPECT_EQ(d.num_features(), features);
  EXPECT_EQ(d.x.sum().item<double>(), static_cast<double>(feature_nnz));  // binary features
  EXPECT_EQ(d.x.eq(0).logical_or(d.x.eq(1)).all().item<bool>(), true);
  EXPECT_EQ(d.num_classes, classes);
  EXPECT_TRUE(at::equal(d.adj.to_dense(), d.adj.to_dense().t()));
  EXPECT_EQ(remove_self_loops(d.adj).nnz(), edges);
  // gen_masks(y, 20, 30, 20): 20 splits of 20 / 30 nodes per class (every class has more than 50).
  EXPECT_EQ(d.num_splits(), 20);
  for (int64_t s : {0, 19}) {
    EXPECT_EQ(d.mask(Split::Train, s).sum().item<int64_t>(), 20 * classes);
    EXPECT_EQ(d.mask(Split::Val, s).sum().item<int64_t>(), 30 * classes);
    EXPECT_EQ(d.mask(Split::Test, s).sum().item<int64_t>(), nodes - 50 * classes);
  }
}

TEST(ShchurNpz, CoraMatchesPyG) {
  GAS_REQUIRE_FILE(gnn_benchmark("cora"));
  const Dataset d = load_dataset("gnn-benchmark-cora", testing::data_dir());
  expect_gnn_benchmark(d, 2708, 10556, 1433, 49216, 7);
  // Class sizes counted from labels.npy with Python's zipfile and array modules.
  EXPECT_TRUE(at::equal(at::bincount(d.y), at::tensor({298, 418, 818, 426, 217, 180, 351}, at::kLong)));
}

TEST(ShchurNpz, CiteSeerDropsSelfLoops) {
  GAS_REQUIRE_FILE(gnn_benchmark("citeseer"));
  // 4715 stored arcs, 124 of them self-loops, 4536 undirected pairs.
  const Dataset d = load_dataset("gnn-benchmark-citeseer", testing::data_dir());
  expect_gnn_benchmark(d, 3312, 9072, 3703, 105165, 6);
  EXPECT_TRUE(at::equal(at::bincount(d.y), at::tensor({249, 596, 701, 508, 668, 590}, at::kLong)));
}

// A 4-node graph in gnn-benchmark's schema: arcs 0->1, 0->0 (loop), 1->2,
// 3->0 twice; features (0,0)=2, (0,2)=1, (1,1)=0.5-0.5 (sums to 0), (2,2)=3.
testing::Members shchur_members() {
  return {{"adj_data.npy", npy<float>({1, 1, 1, 1, 1}, {5})},
          {"adj_indices.npy", npy<int32_t>({1, 0, 2, 0, 0}, {5})},
          {"adj_indptr.npy", npy<int32_t>({0, 2, 3, 3, 5}, {5})},
          {"adj_shape.npy", npy<int64_t>({4, 4}, {2})},
          {"attr_data.npy", npy<float>({2, 1, 0.5f, -0.5f, 3}, {5})},
          {"attr_indices.npy", npy<int32_t>({0, 2, 1, 1, 2}, {5})},
          {"attr_indptr.npy", npy<int32_t>({0, 2, 4, 5, 5}, {5})},
          {"attr_shape.npy", npy<int64_t>({4, 3}, {2})},
          {"labels.npy", npy<int8_t>({0, 1, 1, 0}, {4})}};
}

TEST(ShchurNpz, AmazonAndCoauthorFixtures) {
  const std::string root = testing::temp_dir();
  testing::write_zip(root + "/Amazon/Photo/raw/amazon_electronics_photo.npz", shchur_members(), false);
  testing::write_zip(root + "/Coauthor/Physics/raw/ms_academic_phy.npz", shchur_members(), true);
  for (const char* name : {"amazon-photo", "coauthor-physics"}) {
    const Dataset d = load_dataset(name, root);
    EXPECT_EQ(d.name, name);
    expect_rows(d.adj, {{1, 3}, {0, 2}, {1}, {0}});
    EXPECT_TRUE(at::equal(d.x, floats({1.f, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0}).view({4, 3})));
    EXPECT_TRUE(at::equal(d.y, at::tensor({0, 1, 1, 0}, at::kLong)));
    EXPECT_EQ(d.num_classes, 2);
    // Two nodes per class: all of them train in every split.
    EXPECT_EQ(d.num_splits(), 20);
    EXPECT_TRUE(d.train_mask.all().item<bool>());
    EXPECT_FALSE(d.val_mask.any().item<bool>());
  }
  EXPECT_THROW_WITH(
      load_dataset("amazon-computers", root),
      "Amazon Computers: missing raw file '" + root + "/Amazon/Computers/raw/amazon_electronics_computers.npz'");
  EXPECT_THROW_WITH(load_dataset("coauthor-cs", root),
                    "ms_academic_cs.npz (gnn-benchmark's npz) in " + root + "/Coauthor/CS/raw");
}

TEST(ShchurNpz, BadArchivesNameTheProblem) {
  const std::string dir = testing::temp_dir();
  auto with = [&](const std::string& key, const std::string& bytes) {
    testing::Members m = shchur_members();
    for (auto& [name, content] : m)
      if (name == key + ".npy") content = bytes;
    if (bytes.empty())
      m.erase(std::remove_if(m.begin(), m.end(), [&](const auto& p) { return p.first == key + ".npy"; }), m.end());
    return testing::write_zip(dir + "/g.npz", m, true);
  };
  EXPECT_THROW_WITH(read_shchur_npz(with("labels", ""), "G"), "missing array 'labels'");
  EXPECT_THROW_WITH(read_shchur_npz(with("adj_indices", npy<int32_t>({1, 0, 2, 9, 0}, {5})), "G"),
                    "(adj_*): CSR column index 9 outside [0, 4)");
  EXPECT_THROW_WITH(read_shchur_npz(with("adj_indptr", npy<int32_t>({0, 2, 3, 3}, {4})), "G"),
                    "CSR indptr has 4 entries for 4 rows");
  EXPECT_THROW_WITH(read_shchur_npz(with("adj_indices", npy<float>({1, 0, 2, 0, 0}, {5})), "G"),
                    "(member adj_indices.npy): CSR indices must be a 1-D integer array, got Float [5]");
  EXPECT_THROW_WITH(read_shchur_npz(with("labels", npy<int8_t>({0, 1, 1}, {3})), "G"), "3 labels for 4 nodes");
  EXPECT_THROW_WITH(read_shchur_npz(with("attr_shape", npy<int64_t>({5, 3}, {2})), "G"),
                    "attr_shape has 5 rows for 4 nodes");
  testing::write_file(dir + "/empty.npz", "");
  EXPECT_THROW_WITH(read_shchur_npz(dir + "/empty.npz", "G"), "not a readable .npz (zip) archive");
}

// ------------------------------------------------------------------- WikiCS

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

// ------------------------------------------------------------------ GraphSAINT

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

// ---------------------------------------------------------------------- OGB

// 5 nodes; edges 0-1 (twice), 1-2, 2-0 and a self-loop at 3; node 4 isolated.
void write_ogb(const std::string& dir, const std::string& split, bool gzip) {
  auto put = [&](const std::string& stem, const std::string& text) {
    gzip ? testing::write_gz(dir + "/" + stem + ".csv.gz", text) : write_file(dir + "/" + stem + ".csv", text);
  };
  put("raw/node-label", "0\n3\n1\n1\n2\n");
  put("raw/edge", "0,1\n1,2\n2,0\n0,1\n3,3\n");
  put("raw/node-feat", "0.5,-1\n1e-3,2\n3,4\n5,6\n7,8.25\n");
  put("split/" + split + "/train", "0\n1\n");
  put("split/" + split + "/valid", "2\n");
  put("split/" + split + "/test", "3\n4\n");
}

TEST(Ogb, ArxivAndProductsFromGzipOrPlainCsv) {
  const std::string root = testing::temp_dir();
  write_ogb(root + "/OGB/ogbn_arxiv", "time", true);
  write_ogb(root + "/OGB/ogbn_products", "sales_ranking", false);
  for (const char* name : {"ogbn-arxiv", "ogbn-products"}) {
    const Dataset d = load_dataset(name, root);
    expect_rows(d.adj, {{1, 2}, {0, 2}, {0, 1}, {3}, {}});
    EXPECT_TRUE(at::equal(d.x, floats({0.5f, -1, 1e-3f, 2, 3, 4, 5, 6, 7, 8.25f}).view({5, 2})));
    EXPECT_TRUE(at::equal(d.y, at::tensor({0, 3, 1, 1, 2}, at::kLong)));
    EXPECT_EQ(d.num_classes, 4);
    EXPECT_TRUE(at::equal(d.train_mask, bools({1, 1, 0, 0, 0})));
    EXPECT_TRUE(at::equal(d.val_mask, bools({0, 0, 1, 0, 0})));
    EXPECT_TRUE(at::equal(d.test_mask, bools({0, 0, 0, 1, 1})));
  }
}

TEST(Ogb, BadFilesNameTheProblem) {
  const std::string root = testing::temp_dir();
  const std::string dir = root + "/OGB/ogbn_arxiv";
  write_ogb(dir, "time", false);
  write_file(dir + "/raw/edge.csv", "0,1\n1,7\n");
  EXPECT_THROW_WITH(load_dataset("ogbn-arxiv", root), "edge.csv: edge 1 names node 7, outside [0, 5)");
  write_file(dir + "/raw/edge.csv", "0,1\n1\n");
  EXPECT_THROW_WITH(load_dataset("ogbn-arxiv", root), "edge.csv: line 2: expected 2 values, got 1");
  write_file(dir + "/raw/edge.csv", "0,1\n");
  write_file(dir + "/raw/node-feat.csv", "1,2\n3,4\n");
  EXPECT_THROW_WITH(load_dataset("ogbn-arxiv", root),
                    "node-feat.csv: has 2 rows, expected 5 (one per node of " + dir + "/raw/node-label.csv)");
  write_file(dir + "/raw/node-feat.csv", "1\n2\n3\n4\n5\n");
  write_file(dir + "/split/time/valid.csv", "2\n5\n");
  EXPECT_THROW_WITH(load_dataset("ogbn-arxiv", root), "valid.csv: node id 5 outside [0, 5)");
  write_file(dir + "/split/time/valid.csv", "");
  EXPECT_THROW_WITH(load_dataset("ogbn-arxiv", root), "valid.csv: empty file");
  write_file(dir + "/raw/node-label.csv", "0\n-1\n");
  EXPECT_THROW_WITH(load_dataset("ogbn-arxiv", root), "node-label.csv: negative class id -1");
  fs::remove(dir + "/raw/node-label.csv");
  EXPECT_THROW_WITH(load_dataset("ogbn-arxiv", root),
                    "ogbn-arxiv: missing raw file '" + dir +
                        "/raw/node-label.csv.gz'; expected OGB's raw/{edge,node-feat,node-label}.csv.gz");
}

// ---------------------------------------------------------------------- PPI

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

// ------------------------------------------------------------------- custom

TEST(Custom, EdgesAsGivenWeightsAndSymmetrize) {
  const std::string root = testing::temp_dir();
  // Edges 0->1 (1), 1->2 (2), 2->3 twice (0.5 + 0.25).
  write_file(root + "/edge_index.npy", npy<int64_t>({0, 1, 2, 2, 1, 2, 3, 3}, {2, 4}));
  write_file(root + "/edge_weight.npy", npy<float>({1, 2, 0.5f, 0.25f}, {4}));
  write_file(root + "/x.npy", npy<float>({1, 2, 3, 4, 5, 6, 7, 8}, {4, 2}));
  write_file(root + "/y.npy", npy<int64_t>({0, 1, 0, 2}, {4}));
  write_file(root + "/train_mask.npy", testing::npy_bool({1, 1, 0, 0}, {4}));
  write_file(root + "/val_mask.npy", testing::npy_bool({0, 0, 1, 0}, {4}));
  write_file(root + "/test_mask.npy", testing::npy_bool({0, 0, 0, 1}, {4}));
  const Dataset d = load_dataset("custom", root);
  // Target-major: row v lists the sources of v's incoming edges.
  expect_rows(d.adj, {{}, {0}, {1}, {2}}, {{}, {1}, {2}, {0.75f}});
  EXPECT_EQ(d.num_classes, 3);
  EXPECT_TRUE(at::equal(d.train_mask, bools({1, 1, 0, 0})));

  ConfigNode options;
  options.set("symmetrize", "true", "test");
  const Dataset s = load_dataset("custom", root, options);
  expect_rows(s.adj, {{1}, {0, 2}, {1, 3}, {2}}, {{1}, {1, 2}, {2, 0.75f}, {0.75f}});
}

TEST(Custom, NpzWithEdgeListRowsMultiLabelAndDefaultSplit) {
  const std::string root = testing::temp_dir();
  std::vector<int64_t> edges;
  for (int64_t i = 0; i < 9; ++i) edges.insert(edges.end(), {i, i + 1});  // a path, [E, 2]
  std::vector<int> flags(20, 0);
  flags[3] = 1;
  testing::write_zip(root + "/data.npz",
                     {{"edge_index.npy", npy<int64_t>(edges, {9, 2})},
                      {"x.npy", npy<double>(std::vector<double>(30, 0.5), {10, 3})},
                      {"y.npy", testing::npy_bool(flags, {10, 2})}},
                     true);
  const Dataset d = load_dataset("custom", root);
  EXPECT_TRUE(d.multilabel());
  EXPECT_EQ(d.num_classes, 2);
  EXPECT_EQ(d.y[1][1].item<float>(), 1.0f);
  EXPECT_EQ(d.adj.nnz(), 9);
  EXPECT_EQ(d.adj.col[0].item<int64_t>(), 0);  // row 1 holds the edge 0 -> 1
  // 60/20/20 of 10 nodes, disjoint and covering, the same on every load.
  EXPECT_EQ(d.train_mask.sum().item<int64_t>(), 6);
  EXPECT_EQ(d.val_mask.sum().item<int64_t>(), 2);
  EXPECT_EQ(d.test_mask.sum().item<int64_t>(), 2);
  EXPECT_TRUE(
      (d.train_mask.to(at::kInt) + d.val_mask.to(at::kInt) + d.test_mask.to(at::kInt)).eq(1).all().item<bool>());
  EXPECT_TRUE(at::equal(load_dataset("custom", root).train_mask, d.train_mask));
}

TEST(Custom, BadInputNamesTheFile) {
  const std::string root = testing::temp_dir();
  write_file(root + "/edge_index.npy", npy<int64_t>({0, 1, 1, 5}, {2, 2}));
  write_file(root + "/x.npy", npy<float>({1, 2, 3}, {3, 1}));
  write_file(root + "/y.npy", npy<int64_t>({0, 1, 0}, {3}));
  EXPECT_THROW_WITH(load_dataset("custom", root), "edge_index.npy: edge 1 names node 5, outside [0, 3)");
  write_file(root + "/edge_index.npy", npy<float>({0, 1, 1, 2}, {2, 2}));
  EXPECT_THROW_WITH(load_dataset("custom", root),
                    "edge_index.npy: edge_index must be a 2-D integer array, got Float [2, 2]");
  write_file(root + "/edge_index.npy", npy<int64_t>({0, 1, 1, 2, 2, 0}, {3, 2}));
  write_file(root + "/edge_weight.npy", npy<float>({1, 2}, {2}));
  EXPECT_THROW_WITH(load_dataset("custom", root), "edge_weight.npy: expected [3] weights (one per edge)");
  fs::remove(root + "/edge_weight.npy");
  write_file(root + "/y.npy", npy<int64_t>({0, 1}, {2}));
  EXPECT_THROW_WITH(load_dataset("custom", root), "y.npy: expected [3] class ids or [3, C] flags, got [2]");
  write_file(root + "/y.npy", npy<int64_t>({0, 1, 0}, {3}));
  write_file(root + "/train_mask.npy", testing::npy_bool({1, 0, 0}, {3}));
  EXPECT_THROW_WITH(load_dataset("custom", root), "give all three of train_mask, val_mask, test_mask or none");
  write_file(root + "/val_mask.npy", npy<int64_t>({0, 1, 0}, {3}));
  write_file(root + "/test_mask.npy", testing::npy_bool({0, 0, 1}, {3}));
  EXPECT_THROW_WITH(load_dataset("custom", root), "val_mask.npy: expected bool [3] or [3, splits], got Long");
  write_file(root + "/val_mask.npy", testing::npy_bool({0, 1, 0}, {3}));
  write_file(root + "/x.npy", npy<float>({1, std::numeric_limits<float>::quiet_NaN(), 3}, {3, 1}));
  EXPECT_THROW_WITH(load_dataset("custom", root), "custom: feature 0 of node 1 is nan; the features must be finite");
  write_file(root + "/x.npy", npy<float>({1, 2, 3}, {3, 1}));
  fs::remove(root + "/x.npy");
  EXPECT_THROW_WITH(load_dataset("custom", root),
                    "custom dataset: missing file '" + root + "/x.npy'; expected edge_index, x, y");
  testing::write_zip(root + "/data.npz", {{"x.npy", npy<float>({1}, {1, 1})}}, false);
  EXPECT_THROW_WITH(load_dataset("custom", root), "both " + root + "/data.npz and " + root + "/edge_index.npy exist");
  EXPECT_THROW_WITH(load_dataset("custom", root + "/nowhere"), "is not a directory");
  ConfigNode options;
  options.set("symetrize", "true", "test");
  EXPECT_THROW_WITH(
      {
        dataset_from_config("custom", options);
        options.check_unknown();
      },
      "unknown key 'symetrize'");
}

// ------------------------------------------------------------------ registry

TEST(Datasets, RegistryKnowsEveryBenchmarkDataset) {
  EXPECT_EQ(dataset_names(),
            (std::vector<std::string>{"amazon-computers", "amazon-photo", "citeseer", "coauthor-cs", "coauthor-physics",
                                      "cora", "custom", "flickr", "gnn-benchmark-citeseer", "gnn-benchmark-cora",
                                      "ogbn-arxiv", "ogbn-products", "ppi", "pubmed", "reddit", "synthetic", "wikics",
                                      "yelp"}));
}

TEST(Datasets, SubgraphSlicesEveryField) {
  Dataset d;
  d.name = "toy";
  // Path 0-1-2-3 with weights 1..6 on the stored entries.
  const at::Tensor ei = at::tensor({0, 1, 1, 2, 2, 3, 1, 0, 2, 1, 3, 2}, at::kLong).view({2, 6});
  d.adj = csr_from_edge_index(ei, 4, 4, at::arange(1, 7, at::kFloat));
  d.x = at::arange(8, at::kFloat).view({4, 2});
  d.y = at::tensor({0, 1, 2, 0}, at::kLong);
  d.num_classes = 3;
  d.train_mask = bools({1, 0, 1, 1});
  d.val_mask = bools({0, 1, 0, 0});
  d.test_mask = bools({0, 0, 0, 0});
  const Dataset s = d.subgraph(bools({0, 1, 1, 1}));
  s.check();
  // Old 1, 2, 3 become 0, 1, 2; entries (1,2)=w2... of the dense matrix.
  const at::Tensor dense =
      d.adj.to_dense().index_select(0, at::tensor({1, 2, 3})).index_select(1, at::tensor({1, 2, 3}));
  EXPECT_TRUE(at::equal(s.adj.to_dense(), dense));
  EXPECT_TRUE(at::equal(s.x, d.x.narrow(0, 1, 3)));
  EXPECT_TRUE(at::equal(s.y, at::tensor({1, 2, 0}, at::kLong)));
  EXPECT_TRUE(at::equal(s.train_mask, bools({0, 1, 1})));
  EXPECT_THROW_WITH(d.subgraph(bools({1, 0})), "subgraph needs a bool [4] node mask");
}

}  // namespace
}  // namespace gas
