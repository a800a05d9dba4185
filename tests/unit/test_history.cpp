#include <gas/history/store.h>
#include <gas/loader.h>

#include "common/test_utils.h"

namespace gas {
namespace {

// A batch of 5 in-batch nodes in two part ranges [0, 2) and [5, 8), halo {2, 4}.
Batch two_part_batch() {
  Batch batch;
  batch.n_id = at::tensor({0, 1, 5, 6, 7, 2, 4}, at::kLong);
  batch.batch_size = 5;
  batch.offset = at::tensor({0, 5}, at::kLong);
  batch.count = at::tensor({2, 3}, at::kLong);
  return batch;
}

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

TEST(HistoryStore, HostBackendOnCpuIsPlainMemoryAndBackendsKeepTheContent) {
  HistoryStore h(6, {2});
  EXPECT_EQ(h.backend().name(), "host");
  const at::Tensor x = at::randn({6, 2});
  h.push(0, x);
  h.set_compute_device(c10::Device(c10::kCPU));
  h.set_backend(device_history_backend());
  EXPECT_EQ(h.backend().name(), "device");
  EXPECT_TRUE(h.pull(0).device().is_cpu());
  EXPECT_TRUE(at::equal(h.pull(0), x)) << "moving between backends keeps the rows";
  EXPECT_EQ(history_backend("host")->name(), "host");
  EXPECT_THROW_WITH(history_backend("gpu"), "valid: host, device");
}

TEST(HistoryStore, SyncTransportPushesInBatchRowsAndPullsTheHalo) {
  HistoryStore store(8, {2});
  store.push(0, at::arange(16, at::kFloat).view({8, 2}));
  Batch batch = two_part_batch();
  const at::Tensor x = -at::ones({7, 2});
  store.begin_batch(batch);
  store.push(0, x, batch);
  const at::Tensor halo = store.pull(0, batch);
  store.end_batch();
  EXPECT_TRUE(at::equal(halo, at::tensor({4.0f, 5.0f, 8.0f, 9.0f}).view({2, 2})));
  EXPECT_TRUE(at::equal(store.pull(0, batch.n_id.slice(0, 0, 5)), -at::ones({5, 2})));
  EXPECT_EQ(store.transfers().rows_pushed, 8 + 5);
  // Without offset/count the push goes by index.
  batch.offset = at::Tensor();
  batch.count = at::Tensor();
  store.begin_batch(batch);
  store.push(0, x * 3, batch);
  store.end_batch();
  EXPECT_TRUE(at::equal(store.pull(0, batch.n_id.slice(0, 0, 5)), -3 * at::ones({5, 2})));
}

TEST(HistoryStore, AsyncTransportMovesTheSameRowsAndReportsWorkerErrors) {
  HistoryStore sync(8, {2, 3}), async(8, {2, 3});
  async.set_transport(std::make_shared<AsyncHistoryTransport>(2));
  EXPECT_EQ(async.transport().name(), "async");
  for (HistoryStore* s : {&sync, &async}) {
    s->push(0, at::arange(16, at::kFloat).view({8, 2}));
    s->push(1, at::arange(24, at::kFloat).view({8, 3}));
  }
  const Batch batch = two_part_batch();
  for (int round = 0; round < 3; ++round) {  // staging buffers are reused
    sync.begin_batch(batch);
    async.begin_batch(batch);
    for (int64_t i = 0; i < 2; ++i) {
      EXPECT_TRUE(at::equal(async.pull(i, batch), sync.pull(i, batch)));
      const at::Tensor x = at::full({7, sync.width(i)}, static_cast<float>(round + 10 * i));
      sync.push(i, x, batch);
      async.push(i, x, batch);
    }
    sync.end_batch();
    async.end_batch();
    EXPECT_TRUE(at::equal(async.pull(0), sync.pull(0)));
    EXPECT_TRUE(at::equal(async.pull(1), sync.pull(1)));
  }
  EXPECT_THROW_WITH(async.pull(0, batch), "no pull of history 0 in flight");
  Batch broken = batch;
  broken.n_id = at::tensor({0, 1, 5, 6, 7, 2, 40}, at::kLong);  // a halo node that does not exist
  async.begin_batch(broken);
  EXPECT_THROW_WITH(async.pull(0, broken), "index 40 at position 1 outside [0, 8)");
  EXPECT_THROW_WITH(async.end_batch(), "index 40 at position 1 outside [0, 8)");  // the second layer's pull failed too
  EXPECT_NO_THROW(async.end_batch());
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
