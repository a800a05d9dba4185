// The synthetic generators: sizes, splits, determinism across threads, and
// the homophily asked for.
#include <gas/datasets/synthetic.h>

#include "common/datasets.h"
#include "common/test_utils.h"

#include <ATen/Parallel.h>

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

TEST(Synthetic, SbmHomophilyIsAsConfigured) {
  const Dataset d = make_synthetic(SyntheticOptions().num_nodes(5000).homophily(0.7).num_classes(4));
  const at::Tensor row = at::repeat_interleave(at::arange(5000), d.adj.row_degree());
  const double same = d.y.index_select(0, row).eq(d.y.index_select(0, d.adj.col)).to(at::kDouble).mean().item<double>();
  // Intra-class draws (0.7) plus uniform draws landing in the class (0.3 / 4).
  EXPECT_NEAR(same, 0.7 + 0.3 / 4, 0.02);
}

}  // namespace
}  // namespace gas
