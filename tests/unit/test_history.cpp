#include <gas/history.h>
#include <gas/loader.h>

#include "common/test_utils.h"

namespace gas {
namespace {

TEST(History, StartsAtZeroAndRoundTripsEveryPushMode) {
  History h(10, 3);
  EXPECT_TRUE(at::equal(h.emb(), at::zeros({10, 3})));
  EXPECT_EQ(h.nbytes(), 10 * 3 * 4);

  const at::Tensor all = at::randn({10, 3});
  h.push(all);
  EXPECT_TRUE(at::equal(h.pull(), all));

  h.reset();
  const at::Tensor n_id = at::tensor({7, 2, 5}, at::kLong);
  const at::Tensor rows = at::randn({3, 3});
  h.push(rows, n_id);
  EXPECT_TRUE(at::equal(h.pull(n_id), rows));
  EXPECT_EQ(h.emb().abs().sum(1).ne(0).sum().item<int64_t>(), 3) << "other rows untouched";

  // Chunked push: rows [1, 3) and [6, 9) from consecutive rows of x equal
  // the same rows pushed by index.
  History a(10, 3), b(10, 3);
  const at::Tensor x = at::randn({5, 3});
  a.push(x, at::tensor({1, 6}, at::kLong), at::tensor({2, 3}, at::kLong));
  b.push(x, at::tensor({1, 2, 6, 7, 8}, at::kLong));
  EXPECT_TRUE(at::equal(a.emb(), b.emb()));
}

TEST(History, PushDetachesFromAutograd) {
  History h(4, 2);
  const at::Tensor x = at::randn({4, 2}).requires_grad_(true);
  h.push(x * 2);
  EXPECT_FALSE(h.emb().requires_grad());
  EXPECT_FALSE(h.pull(at::tensor({0, 1}, at::kLong)).requires_grad());
}

TEST(History, RejectsWrongShapes) {
  History h(10, 3);
  EXPECT_THROW_WITH(h.push(at::randn({9, 3})), "x has 9 rows");
  EXPECT_THROW_WITH(h.push(at::randn({10, 4})), "expected x of shape [10, 3]");
  EXPECT_THROW_WITH(h.push(at::randn({2, 3}), at::tensor({1, 2, 3}, at::kLong)), "n_id has 3");
  EXPECT_THROW_WITH(h.push(at::randn({4, 3}), at::tensor({8}, at::kLong), at::tensor({4}, at::kLong)),
                    "chunk 0 [8, 12) outside [0, 10)");
  EXPECT_THROW_WITH(h.pull(at::tensor({1.0f})), "n_id must be a 1-D int64 tensor");
  EXPECT_THROW_WITH(History(5, 0), "embedding_dim must be positive");
}

TEST(History, HostPlacementOnCpuIsPlainMemory) {
  History h(6, 2);
  h.place(c10::Device(c10::kCPU), HistoryPlacement::Host);
  EXPECT_TRUE(h.emb().device().is_cpu());
  EXPECT_FALSE(h.emb().is_pinned());
  h.place(c10::Device(c10::kCPU), HistoryPlacement::Device);
  EXPECT_TRUE(h.emb().device().is_cpu());
  EXPECT_THROW_WITH(parse_history_placement("gpu"), "valid: host, device");
}

TEST(History, SyncIoPushesInBatchRowsAndPullsTheHalo) {
  std::vector<History> histories{History(8, 2)};
  histories[0].push(at::arange(16, at::kFloat).view({8, 2}));
  Batch batch;
  batch.n_id = at::tensor({0, 1, 5, 6, 7, 2, 4}, at::kLong);
  batch.batch_size = 5;
  batch.offset = at::tensor({0, 5}, at::kLong);
  batch.count = at::tensor({2, 3}, at::kLong);
  SyncHistoryIO io;
  const at::Tensor x = -at::ones({7, 2});
  io.push_batch(histories, 0, x, batch);
  const at::Tensor halo = io.pull_halo(histories, 0, batch);
  EXPECT_TRUE(at::equal(halo, at::tensor({4.0f, 5.0f, 8.0f, 9.0f}).view({2, 2})));
  EXPECT_TRUE(at::equal(histories[0].pull(batch.n_id.slice(0, 0, 5)), -at::ones({5, 2})));
  // Without offset/count the push goes by index.
  batch.offset = at::Tensor();
  batch.count = at::Tensor();
  io.push_batch(histories, 0, x * 3, batch);
  EXPECT_TRUE(at::equal(histories[0].pull(batch.n_id.slice(0, 0, 5)), -3 * at::ones({5, 2})));
}

TEST(History, AsyncIoMovesTheSameRowsAndReportsWorkerErrors) {
  std::vector<History> sync_h{History(8, 2), History(8, 3)}, async_h{History(8, 2), History(8, 3)};
  for (auto* hs : {&sync_h, &async_h}) {
    (*hs)[0].push(at::arange(16, at::kFloat).view({8, 2}));
    (*hs)[1].push(at::arange(24, at::kFloat).view({8, 3}));
  }
  Batch batch;
  batch.n_id = at::tensor({0, 1, 5, 6, 7, 2, 4}, at::kLong);
  batch.batch_size = 5;
  batch.offset = at::tensor({0, 5}, at::kLong);
  batch.count = at::tensor({2, 3}, at::kLong);
  SyncHistoryIO sync;
  AsyncHistoryIO async(2);
  for (int round = 0; round < 3; ++round) {  // staging buffers are reused
    async.begin_batch(async_h, batch);
    for (size_t i = 0; i < 2; ++i) {
      const int64_t w = sync_h[i].embedding_dim();
      EXPECT_TRUE(at::equal(async.pull_halo(async_h, i, batch), sync.pull_halo(sync_h, i, batch)));
      const at::Tensor x = at::full({7, w}, static_cast<float>(round + 10 * i));
      sync.push_batch(sync_h, i, x, batch);
      async.push_batch(async_h, i, x, batch);
    }
    async.end_batch();
    EXPECT_TRUE(at::equal(async_h[0].emb(), sync_h[0].emb()));
    EXPECT_TRUE(at::equal(async_h[1].emb(), sync_h[1].emb()));
  }
  EXPECT_THROW_WITH(async.pull_halo(async_h, 0, batch), "no pull of history 0 in flight");
  Batch broken = batch;
  broken.n_id = at::tensor({0, 1, 5, 6, 7, 2, 40}, at::kLong);  // a halo node that does not exist
  async.begin_batch(async_h, broken);
  EXPECT_THROW_WITH(async.pull_halo(async_h, 0, broken), "node 40 outside [0, 8)");
  EXPECT_THROW_WITH(async.end_batch(), "node 40 outside [0, 8)");  // the second history's pull failed too
  EXPECT_NO_THROW(async.end_batch());
}

}  // namespace
}  // namespace gas
