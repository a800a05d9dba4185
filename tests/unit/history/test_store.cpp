// The history store: every way rows go in and out, shapes checked, buffers
// for another graph.
#include <gas/history/store.h>

#include "common/test_utils.h"

namespace gas {
namespace {

TEST(HistoryStore, StartsAtZeroAndRoundTripsEveryPushMode) {
  HistoryStore h(10, {3});
  EXPECT_TRUE(at::equal(h.pull(0), at::zeros({10, 3})));
  EXPECT_EQ(h.nbytes(), 10 * 3 * 4);

  const at::Tensor all = at::randn({10, 3});
  h.push(0, all);
  EXPECT_TRUE(at::equal(h.pull(0), all));

  h.reset();
  const at::Tensor n_id = at::tensor({7, 2, 5}, at::kLong);
  const at::Tensor rows = at::randn({3, 3});
  h.push(0, rows, n_id);
  EXPECT_TRUE(at::equal(h.pull(0, n_id), rows));
  EXPECT_EQ(h.pull(0).abs().sum(1).ne(0).sum().item<int64_t>(), 3) << "other rows untouched";

  // Chunked push: rows [1, 3) and [6, 9) from consecutive rows of x equal
  // the same rows pushed by index.
  HistoryStore a(10, {3}), b(10, {3});
  const at::Tensor x = at::randn({5, 3});
  a.push(0, x, at::tensor({1, 6}, at::kLong), at::tensor({2, 3}, at::kLong));
  b.push(0, x, at::tensor({1, 2, 6, 7, 8}, at::kLong));
  EXPECT_TRUE(at::equal(a.pull(0), b.pull(0)));
}

TEST(HistoryStore, PushDetachesFromAutograd) {
  HistoryStore h(4, {2});
  const at::Tensor x = at::randn({4, 2}).requires_grad_(true);
  h.push(0, x * 2);
  EXPECT_FALSE(h.pull(0).requires_grad());
  EXPECT_FALSE(h.pull(0, at::tensor({0, 1}, at::kLong)).requires_grad());
}

TEST(HistoryStore, RejectsWrongShapes) {
  HistoryStore h(10, {3});
  EXPECT_THROW_WITH(h.push(0, at::randn({9, 3})), "x has 9 rows");
  EXPECT_THROW_WITH(h.push(0, at::randn({10, 4})), "expected x of shape [10, 3]");
  EXPECT_THROW_WITH(h.push(0, at::randn({2, 3}), at::tensor({1, 2, 3}, at::kLong)), "n_id has 3");
  EXPECT_THROW_WITH(h.push(0, at::randn({4, 3}), at::tensor({8}, at::kLong), at::tensor({4}, at::kLong)),
                    "chunk 0 [8, 12) outside [0, 10)");
  EXPECT_THROW_WITH(h.push(0, at::randn({1, 3}), at::tensor({10}, at::kLong)), "1 node ids outside [0, 10)");
  EXPECT_THROW_WITH(h.pull(0, at::tensor({1.0f})), "n_id must be a 1-D int64 tensor");
  EXPECT_THROW_WITH(h.pull(1), "history 1 of 1");
  EXPECT_THROW_WITH(HistoryStore(5, {0}), "history 0 must have a positive width");
}

TEST(HistoryStore, LikeGivesZeroedBuffersOfTheSameWidthsThatCountInTheOriginal) {
  HistoryStore store(8, {2, 5});
  store.push(0, at::ones({8, 2}));
  const auto other = store.like(3);
  EXPECT_EQ(other->num_nodes(), 3);
  EXPECT_EQ(other->widths(), store.widths());
  EXPECT_TRUE(at::equal(other->pull(1), at::zeros({3, 5})));
  other->push(0, at::ones({3, 2}) * 2);
  EXPECT_TRUE(at::equal(store.pull(0), at::ones({8, 2}))) << "the original's rows untouched";
  EXPECT_EQ(store.transfers().rows_pushed, 8 + 3);
}

}  // namespace
}  // namespace gas
