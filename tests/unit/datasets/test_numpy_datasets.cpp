// The numpy-format datasets: gnn-benchmark's real Cora and CiteSeer npz
// where ../shared/data has them (the schema of Amazon and Coauthor), and
// fixtures of the Amazon, Coauthor and custom formats written here with every
// expected value worked out by hand.
#include <gas/datasets/numpy_datasets.h>
#include <gas/datasets/registry.h>

#include "common/datasets.h"
#include "common/fixtures.h"
#include "common/test_utils.h"

#include <filesystem>
#include <limits>

namespace gas {
namespace {

namespace fs = std::filesystem;
using namespace gas::testing;
using testing::npy;  // not the parsers' namespace gas::npy

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

  // A split without nodes is refused before training, naming it and its file
  // (a new user's graph that trained on nothing printed `loss nan` and exited 0).
  d.check_splits(1);
  write_file(root + "/train_mask.npy", testing::npy_bool({0, 0, 0, 0}, {4}));
  EXPECT_THROW_WITH(load_dataset("custom", root).check_splits(1),
                    "the train split has no nodes (mask from " + root + "/train_mask.npy); nothing to train on");
  write_file(root + "/train_mask.npy", testing::npy_bool({1, 1, 0, 0}, {4}));
  write_file(root + "/test_mask.npy", testing::npy_bool({0, 0, 0, 0}, {4}));
  EXPECT_THROW_WITH(load_dataset("custom", root).check_splits(1), "the test split has no nodes");
  load_dataset("custom", root).check_splits(1, /*evaluated=*/false);
}

// write_custom then load_custom gives the dataset back: a directed weighted
// graph with several splits, and a multi-label one; the directory appears
// only whole, and an existing one is refused.
TEST(Custom, WrittenDatasetsReadBackEqual) {
  const std::string root = testing::temp_dir();
  write_file(root + "/edge_index.npy", npy<int64_t>({0, 1, 2, 2, 3, 1, 2, 3, 0, 0}, {2, 5}));
  write_file(root + "/edge_weight.npy", npy<float>({1, 2, 0.5f, 0.25f, 3}, {5}));
  write_file(root + "/x.npy", npy<float>({1, 2, 3, 4, 5, 6, 7, 8}, {4, 2}));
  write_file(root + "/y.npy", npy<int64_t>({0, 1, 1, 0, 1, 0, 1, 1}, {4, 2}));
  write_file(root + "/train_mask.npy", testing::npy_bool({1, 0, 1, 0, 0, 1, 0, 0}, {4, 2}));
  write_file(root + "/val_mask.npy", testing::npy_bool({0, 1, 0, 0, 1, 0, 0, 1}, {4, 2}));
  write_file(root + "/test_mask.npy", testing::npy_bool({0, 0, 0, 1, 0, 0, 1, 0}, {4, 2}));
  const Dataset multilabel = load_dataset("custom", root);
  ASSERT_TRUE(multilabel.multilabel());
  ConfigNode options;
  options.set("num_nodes", "300", "test");
  options.set("num_classes", "3", "test");
  for (const Dataset& d : {multilabel, load_dataset("synthetic", "", options)}) {
    const std::string out = testing::temp_dir() + "/written";
    write_custom(d, out);
    const Dataset back = load_dataset("custom", out);
    EXPECT_TRUE(at::equal(back.adj.rowptr, d.adj.rowptr));
    EXPECT_TRUE(at::equal(back.adj.col, d.adj.col));
    EXPECT_EQ(back.adj.has_value(), d.adj.has_value());
    if (d.adj.has_value()) EXPECT_TRUE(at::equal(back.adj.value, d.adj.value));
    EXPECT_TRUE(at::equal(back.x, d.x));
    EXPECT_TRUE(at::equal(back.y, d.y));
    for (Split split : {Split::Train, Split::Val, Split::Test}) {
      EXPECT_EQ(back.num_splits(), d.num_splits());
      for (int64_t s = 0; s < d.num_splits(); ++s) EXPECT_TRUE(at::equal(back.mask(split, s), d.mask(split, s)));
    }
    EXPECT_THROW_WITH(write_custom(d, out), "write_custom: '" + out + "' exists");
    EXPECT_EQ(std::distance(fs::directory_iterator(fs::path(out).parent_path()), fs::directory_iterator()), 1)
        << "a staging directory was left behind";
  }
}

TEST(Custom, MappedFeaturesAreTheFileAndOtherLayoutsAreRefused) {
  const std::string root = testing::temp_dir();
  write_file(root + "/edge_index.npy", npy<int64_t>({0, 1, 1, 2}, {2, 2}));
  write_file(root + "/x.npy", npy<float>({1, 2, 3, 4, 5, 6}, {3, 2}));
  write_file(root + "/y.npy", npy<int64_t>({0, 1, 0}, {3}));
  ConfigNode mapped;
  mapped.set("mmap", "true", "test");
  const Dataset d = load_dataset("custom", root, mapped);
  EXPECT_TRUE(at::equal(d.x, load_dataset("custom", root).x));
  // The rows are the file's pages: the features live outside the heap.
  EXPECT_EQ(std::memcmp(d.x.data_ptr<float>(), std::vector<float>{1, 2, 3, 4, 5, 6}.data(), 24), 0);

  write_file(root + "/x.npy", npy<double>({1, 2, 3, 4, 5, 6}, {3, 2}));
  EXPECT_THROW_WITH(
      load_dataset("custom", root, mapped),
      root + "/x.npy: data.mmap maps float32 [N, F] little-endian C-order arrays only, got float64 [3, 2]");
  EXPECT_EQ(load_dataset("custom", root).x.scalar_type(), at::kFloat) << "read (and converted) without mmap";
  write_file(root + "/x.npy", testing::npy_raw("<f4", {3, 2}, std::string(24, '\0'), /*fortran_order=*/true));
  EXPECT_THROW_WITH(load_dataset("custom", root, mapped), "in Fortran order");
  write_file(root + "/x.npy", testing::npy_raw("<f4", {3, 2}, std::string(20, '\0')));
  EXPECT_THROW_WITH(load_dataset("custom", root, mapped), "truncated");
  mapped.set("mmap", "sometimes", "test");
  EXPECT_THROW_WITH(load_dataset("custom", root, mapped), "sometimes");
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

}  // namespace
}  // namespace gas
