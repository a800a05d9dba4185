// The history store: every way rows go in and out, shapes checked, buffers
// for another graph.
#include <gas/history/store.h>
#include <gas/loader.h>

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


// Beyond plain GAS: ages, push momentum, out-of-batch mixing.

// Batches of a 60-node graph cut into 6 parts, 2 parts a batch.
std::vector<Batch> six_part_batches() {
  const CSR adj = testing::random_graph(60, 4, 5);
  const at::Tensor ptr = at::arange(0, 61, 10, at::kLong);
  SubgraphLoader loader(adj, ptr, at::randn({60, 3}), SubgraphLoaderOptions().batch_size(2).seed(3));
  std::vector<Batch> batches;
  for (const Batch& b : loader) batches.push_back(b);
  return batches;
}

TEST(HistoryStore, AgesCountTrainingBatchesSinceEachRowsLastWrite) {
  HistoryStore h(60, {3, 2});
  EXPECT_THROW(h.ages(0), c10::Error) << "not tracked by default";
  h.track_ages(true);
  std::vector<int64_t> written(60, 0);  // reference: the step of each row's last write (layer 0 only)
  int64_t step = 0;
  for (const Batch& b : six_part_batches()) {
    h.begin_batch(b);
    ++step;
    h.push(0, at::randn({b.batch_size, 3}), b);
    h.pull(0, b);
    h.end_batch();
    for (int64_t i = 0; i < b.batch_size; ++i) written[b.n_id[i].item<int64_t>()] = step;
  }
  EXPECT_EQ(h.steps(), 3);
  for (int64_t v = 0; v < 60; ++v) EXPECT_EQ(h.ages(0)[v].item<int64_t>(), step - written[v]) << "node " << v;
  EXPECT_TRUE(at::equal(h.ages(1), at::full({60}, 3, at::kLong))) << "layer 1 never written";
  h.mix(0, at::randn({2, 3}), at::tensor({0, 1}, at::kLong), 0.5);
  EXPECT_EQ(h.ages(0)[0].item<int64_t>(), step - written[0]) << "mixing keeps the age";
  h.push(1, at::randn({60, 2}));
  EXPECT_TRUE(at::equal(h.ages(1), at::zeros({60}, at::kLong))) << "a full write makes every row new";
  const Batch b = six_part_batches().front();
  h.begin_batch(b);
  h.end_batch();
  h.push(1, at::randn({2, 2}), at::tensor({1, 6}, at::kLong), at::tensor({1, 1}, at::kLong));
  at::Tensor expected = at::ones({60}, at::kLong);
  expected.index_fill_(0, at::tensor({1, 6}, at::kLong), 0);
  EXPECT_TRUE(at::equal(h.ages(1), expected)) << "a range push makes its rows new";
  EXPECT_THROW(h.ages(2), c10::Error);
}

TEST(HistoryStore, PushMomentumBlendsTheOldRowsIntoTrainingPushesOnly) {
  HistoryStore h(60, {3});
  const at::Tensor old = at::randn({60, 3});
  h.push(0, old);
  h.set_push_momentum(0.75);
  const Batch b = six_part_batches().front();
  const at::Tensor x = at::randn({b.batch_size, 3});
  h.begin_batch(b);
  h.push(0, x, b);
  h.end_batch();
  const at::Tensor in_batch = b.n_id.narrow(0, 0, b.batch_size);
  EXPECT_LT(testing::max_rel_diff(h.pull(0, in_batch), 0.75 * old.index_select(0, in_batch) + 0.25 * x), 1e-6);
  const at::Tensor halo = b.n_id.narrow(0, b.batch_size, b.num_halo());
  EXPECT_TRUE(at::equal(h.pull(0, halo), old.index_select(0, halo))) << "halo rows untouched";
  const at::Tensor all = at::randn({60, 3});
  h.push(0, all);
  EXPECT_TRUE(at::equal(h.pull(0), all)) << "a full-graph push overwrites";
  EXPECT_THROW_WITH(h.set_push_momentum(1.0), "push momentum must be in [0, 1), got 1");
}

TEST(HistoryStore, MixMovesRowsTowardsTheGivenValues) {
  HistoryStore h(10, {2});
  const at::Tensor old = at::randn({10, 2});
  h.push(0, old);
  const at::Tensor ids = at::tensor({4, 7}, at::kLong);
  const at::Tensor v = at::randn({2, 2});
  h.mix(0, v, ids, 0.3);
  at::Tensor expected = old.clone();
  expected.index_copy_(0, ids, 0.3 * v + 0.7 * old.index_select(0, ids));
  EXPECT_LT(testing::max_rel_diff(h.pull(0), expected), 1e-6);
  EXPECT_THROW_WITH(h.mix(0, v, ids, 1.5), "gamma must be in [0, 1], got 1.5");
  EXPECT_THROW(h.mix(0, at::randn({3, 2}), ids, 0.5), c10::Error) << "row count checked";
}

}  // namespace
}  // namespace gas
