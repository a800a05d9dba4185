// The synthetic generators: sizes, splits, determinism across threads, and
// the homophily asked for.
#include <gas/datasets/synthetic.h>

#include <gas/config.h>
#include <gas/datasets/registry.h>

#include "common/datasets.h"
#include "common/test_utils.h"

#include <ATen/Parallel.h>

#include <filesystem>

namespace gas {
namespace {

using testing::symmetric;

TEST(Synthetic, SizesSplitsAndDeterminism) {
  for (const char* kind : {"sbm", "rgg"}) {
    const SyntheticOptions o =
        SyntheticOptions().kind(kind).num_nodes(3000).avg_degree(8).num_features(16).num_classes(5);
    const int threads = at::get_num_threads();
    at::set_num_threads(1);
    const Dataset a = make_synthetic(o);
    at::set_num_threads(2);
    const Dataset b = make_synthetic(o);
    at::set_num_threads(threads);
    EXPECT_TRUE(at::equal(a.adj.col, b.adj.col)) << kind << ": the graph depends on the seed only";
    EXPECT_TRUE(at::equal(a.x, b.x));
    a.check();
    EXPECT_EQ(a.num_nodes(), 3000);
    EXPECT_EQ(a.num_features(), 16);
    EXPECT_TRUE(symmetric(a.adj)) << kind;
    EXPECT_EQ(remove_self_loops(a.adj).nnz(), a.adj.nnz()) << kind;
    const double degree = static_cast<double>(a.adj.nnz()) / 3000;
    EXPECT_GT(degree, 6.5) << kind;
    EXPECT_LT(degree, 8.5) << kind;
    const int64_t covered = (a.train_mask | a.val_mask | a.test_mask).sum().item<int64_t>();
    EXPECT_EQ(covered, 3000);
    EXPECT_EQ((a.train_mask & a.test_mask).sum().item<int64_t>(), 0);
    EXPECT_NEAR(a.train_mask.sum().item<double>() / 3000, 0.1, 0.03);
    EXPECT_FALSE(at::equal(make_synthetic(SyntheticOptions(o).seed(1)).adj.col, a.adj.col));
  }
}

TEST(Synthetic, LineGraphIsLocalHomophilousAndStreamsToTheCustomFormat) {
  const SyntheticOptions o = SyntheticOptions()
                                 .kind("line")
                                 .num_nodes(40000)  // three chunks of the generator
                                 .avg_degree(6)
                                 .num_features(5)
                                 .num_classes(4)
                                 .region_size(500)
                                 .seed(3);
  const Dataset a = make_synthetic(o);
  a.check();
  const at::Tensor row = at::repeat_interleave(at::arange(40000), a.adj.row_degree());
  // Symmetric: the sorted keys of (row, col) and (col, row) agree (too large for to_dense).
  EXPECT_TRUE(at::equal(std::get<0>(at::sort(row * 40000 + a.adj.col)), std::get<0>(at::sort(a.adj.col * 40000 + row))));
  EXPECT_EQ(remove_self_loops(a.adj).nnz(), a.adj.nnz());
  EXPECT_NEAR(static_cast<double>(a.adj.nnz()) / 40000, 6.0, 0.3);
  EXPECT_LE((row - a.adj.col).abs().max().item<int64_t>(), 60) << "edges reach at most 10 x avg_degree ids";
  EXPECT_TRUE(at::equal(a.y.view({80, 500}).select(1, 0).unsqueeze(1).expand({80, 500}), a.y.view({80, 500})))
      << "classes are regions of region_size ids";
  EXPECT_NEAR(a.train_mask.sum().item<double>() / 40000, 0.1, 0.01);
  at::set_num_threads(1);
  const Dataset one_thread = make_synthetic(o);
  at::set_num_threads(2);
  EXPECT_TRUE(at::equal(one_thread.adj.col, a.adj.col) && at::equal(one_thread.x, a.x));

  // Written chunk by chunk, read back as a custom dataset: the same graph.
  const std::string dir = testing::temp_dir() + "/line";
  write_synthetic(o, dir);
  ConfigNode mapped;
  mapped.set("mmap", "true", "test");
  for (const ConfigNode& options : {ConfigNode(), mapped}) {
    const Dataset b = load_dataset("custom", dir, options);
    EXPECT_TRUE(at::equal(b.adj.rowptr, a.adj.rowptr) && at::equal(b.adj.col, a.adj.col));
    EXPECT_TRUE(at::equal(b.x, a.x) && at::equal(b.y, a.y));
    EXPECT_TRUE(at::equal(b.train_mask, a.train_mask) && at::equal(b.val_mask, a.val_mask) &&
                at::equal(b.test_mask, a.test_mask));
  }
  EXPECT_FALSE(std::filesystem::exists(dir + "/src.tmp"));
  EXPECT_THROW_WITH(write_synthetic(o, dir), "' exists; remove it or choose another directory");
  EXPECT_THROW_WITH(write_synthetic(SyntheticOptions(o).kind("sbm"), dir + "2"), "kind=line streams to disk");
}

TEST(Synthetic, SbmHomophilyIsAsConfigured) {
  const Dataset d = make_synthetic(SyntheticOptions().num_nodes(5000).homophily(0.7).num_classes(4));
  const at::Tensor row = at::repeat_interleave(at::arange(5000), d.adj.row_degree());
  const double same = d.y.index_select(0, row).eq(d.y.index_select(0, d.adj.col)).to(at::kDouble).mean().item<double>();
  // Intra-class draws (0.7) plus uniform draws landing in the class (0.3 / 4).
  EXPECT_NEAR(same, 0.7 + 0.3 / 4, 0.02);
}

}  // namespace
}  // namespace gas
