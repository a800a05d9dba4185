// When a training batch's rows move: in the training thread, or by a pool
// of threads, with the same rows either way.
#include <gas/build_info.h>
#include <gas/history/store.h>
#include <gas/history/transport.h>
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

TEST(HistoryTransport, SyncTransportPushesInBatchRowsAndPullsTheHalo) {
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

TEST(HistoryTransport, AsyncTransportMovesTheSameRowsAndReportsWorkerErrors) {
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

// history_io's names: the host transports always, the CUDA ones exactly in a
// build with the CUDA kernels, and an unknown name lists what there is.
TEST(HistoryTransport, TransportsAreMadeByTheirHistoryIoName) {
  EXPECT_EQ(make_history_transport("sync")->name(), "sync");
  const auto async = make_history_transport("async", 3);
  EXPECT_EQ(async->name(), "async");
  EXPECT_EQ(dynamic_cast<AsyncHistoryTransport&>(*async).num_threads(), 3);
  EXPECT_THROW_WITH(make_history_transport("rdma"), "history_io: no transport 'rdma' in this build of gas (available: ");
  for (const char* name : {"staged", "uva"}) {
    if (GAS_BUILT_WITH_CUDA)
      EXPECT_EQ(make_history_transport(name)->name(), name);
    else
      EXPECT_THROW_WITH(make_history_transport(name), "staged and uva need the CUDA kernels");
  }
}

}  // namespace
}  // namespace gas
