// Dataset: permutation, induced subgraphs and per-class random splits.
#include <gas/datasets/dataset.h>
#include <gas/datasets/synthetic.h>

#include "common/datasets.h"
#include "common/test_utils.h"

namespace gas {
namespace {

using testing::bools;

TEST(Datasets, PermuteKeepsNodesAndEdgesTogether) {
  const Dataset d = make_synthetic(SyntheticOptions().num_nodes(200));
  const at::Tensor perm = at::randperm(200, at::kLong);
  const Dataset p = d.permute(perm);
  p.check();
  EXPECT_TRUE(at::equal(p.x, d.x.index_select(0, perm)));
  EXPECT_TRUE(at::equal(p.adj.to_dense(), d.adj.to_dense().index_select(0, perm).index_select(1, perm)));
}

TEST(Datasets, RandomSplitMasksArePerClass) {
  Dataset d = make_synthetic(SyntheticOptions().num_nodes(2000).num_classes(4));
  random_split_masks(d, 20, 30, 5, 12345);
  EXPECT_EQ(d.num_splits(), 5);
  for (int64_t s = 0; s < 5; ++s) {
    const at::Tensor train = d.mask(Split::Train, s), val = d.mask(Split::Val, s);
    EXPECT_TRUE(at::equal(at::bincount(d.y.masked_select(train), {}, 4), at::full({4}, 20, at::kLong)));
    EXPECT_TRUE(at::equal(at::bincount(d.y.masked_select(val), {}, 4), at::full({4}, 30, at::kLong)));
    EXPECT_EQ((train | val | d.mask(Split::Test, s)).sum().item<int64_t>(), 2000);
  }
  EXPECT_FALSE(at::equal(d.mask(Split::Train, 0), d.mask(Split::Train, 1)));
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
