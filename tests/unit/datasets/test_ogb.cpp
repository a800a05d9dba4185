// The OGB reader (ogbn-arxiv, ogbn-products) on fixtures in gzip and plain CSV.
#include <gas/datasets/ogb.h>
#include <gas/datasets/registry.h>

#include "common/datasets.h"
#include "common/fixtures.h"
#include "common/test_utils.h"

#include <filesystem>

namespace gas {
namespace {

namespace fs = std::filesystem;
using namespace gas::testing;

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

}  // namespace
}  // namespace gas
