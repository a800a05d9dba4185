// When a training batch's rows move: in the training thread, or by a pool
// of threads, with the same rows either way.
#include <gas/build_info.h>
#include <gas/history/store.h>
#include <gas/history/transport.h>
#include <gas/loader.h>

#include <gas/layerwise.h>
#include <gas/models/gcn.h>
#include <gas/partition.h>
#include <gas/train.h>

#include "common/test_utils.h"
#include "util/thread_pool.h"

#include <chrono>
#include <mutex>
#include <random>
#include <thread>

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

// ---------------------------------------------------------------------------
// The CUDA transports' schedule (cuda/history_transport_cuda.cpp) on CPU
// stand-ins: each stream a worker thread running its tasks in order after a
// random delay, each event a future a stream completes, a wait on an event a
// task that blocks its stream. The same event graph as on the device: the
// next batch's pulls wait for the consumer and for the previous batch's
// pushes of the same layer, pushes wait for their rows, end_batch leaves
// pushes in flight, synchronize() waits for everything. A missing wait shows
// as rows of the wrong batch, hence different losses.

class FakeStream {
 public:
  // Tasks start after a random delay in [min_us, max_us).
  FakeStream(uint64_t seed, int64_t min_us, int64_t max_us) : worker_(1), rng_(seed), min_us_(min_us), max_us_(max_us) {}
  // Runs `task` on the stream after a random delay; returns the event of its
  // completion.
  std::shared_future<void> enqueue(std::function<void()> task) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto delay = std::chrono::microseconds(min_us_ + static_cast<int64_t>(rng_() % (max_us_ - min_us_)));
    return worker_.submit([task = std::move(task), delay] {
             std::this_thread::sleep_for(delay);
             task();
           })
        .share();
  }
  // This stream waits for `event` (cudaStreamWaitEvent).
  void wait(std::shared_future<void> event) {
    if (event.valid()) enqueue([event] { event.get(); });
  }

 private:
  util::ThreadPool worker_;
  std::mutex mutex_;
  std::mt19937_64 rng_;
  int64_t min_us_, max_us_;
};

class FakeDeviceTransport : public HistoryTransport {
 public:
  std::string name() const override { return "fake-device"; }

  void begin_batch(const std::vector<HistoryStorage*>& layers, const Batch& batch) override {
    pulled_.assign(layers.size(), {});
    buffer_.resize(layers.size());
    push_done_.resize(layers.size());
    const at::Tensor halo = batch.halo().contiguous();
    // The consumer: everything the previous batch computed has run (here the
    // host, which computed it, is past it).
    for (size_t l = 0; l < layers.size(); ++l) {
      h2d_.wait(push_done_[l]);
      HistoryStorage* layer = layers[l];
      buffer_[l] = at::empty({halo.numel(), layer->width()});
      pulled_[l] = h2d_.enqueue([layer, halo, out = buffer_[l]]() mutable { layer->read(halo, out); });
    }
  }

  at::Tensor pull(HistoryStorage&, size_t index, const Batch&) override {
    pulled_[index].get();  // the compute stream waits for pulled[l]
    return buffer_[index];
  }

  void push(HistoryStorage& layer, size_t index, const at::Tensor& rows, const Batch& batch) override {
    HistoryStorage* target = &layer;
    // The rows are ready (the host produced them); the d2h stream lands them
    // later, keeping them alive as record_stream does.
    push_done_[index] = d2h_.enqueue([target, rows, batch] { write_batch_rows(*target, rows, batch); });
  }

  void end_batch() override {}  // pushes stay in flight

  void synchronize() override {
    for (auto& e : pulled_)
      if (e.valid()) e.get();
    for (auto& e : push_done_)
      if (e.valid()) e.get();
  }

  ~FakeDeviceTransport() override { synchronize(); }

 private:
  // Pushes land 1-4 ms late, longer than a batch of this test takes to
  // compute: a pull that did not wait for them would read the rows of an
  // earlier batch (checked: without h2d_.wait(push_done_[l]) the losses differ).
  FakeStream h2d_{1, 0, 200}, d2h_{2, 1000, 4000};
  std::vector<std::shared_future<void>> pulled_, push_done_;
  std::vector<at::Tensor> buffer_;
};

struct Trained {
  std::vector<double> losses;
  std::vector<at::Tensor> histories;
  at::Tensor layerwise;
};

// 50 epochs of 6 one-part batches (300 training batches) of a 3-layer GCN,
// then layer-wise inference, through `transport`.
Trained train_through(const std::shared_ptr<HistoryTransport>& transport) {
  const int64_t n = 150;
  const CSR raw = gcn_norm(testing::random_graph(n, 5, 11));
  const Partition p = has_metis() ? metis(raw, 6) : random_partition(n, 6, 0);
  const CSR adj = permute(raw, p.perm);
  torch::manual_seed(5);
  const Dataset data = testing::random_dataset(adj, 6);
  models::GCN model(n, models::GCNOptions(6, 16, 3, 3));
  model->histories().set_transport(transport);
  auto optimizer = make_adam(*model, 0.01, 0.0, 0.0);
  SubgraphLoader loader(adj, p.ptr, data.x, SubgraphLoaderOptions().batch_size(1).seed(2).num_workers(0));
  Trained out;
  for (int epoch = 0; epoch < 50; ++epoch) out.losses.push_back(train_epoch(*model, loader, *optimizer, data).loss);
  for (int64_t l = 0; l < model->histories().size(); ++l) out.histories.push_back(model->histories().pull(l));
  out.layerwise = layerwise_inference(*model, EvalSubgraphLoader(adj, p.ptr, 2), data.x);
  return out;
}

TEST(HistoryTransport, TheDeviceScheduleOnFakeStreamsTrainsBitwiseLikeTheSyncStore) {
  const Trained sync = train_through(std::make_shared<SyncHistoryTransport>());
  const Trained fake = train_through(std::make_shared<FakeDeviceTransport>());
  EXPECT_EQ(fake.losses, sync.losses);
  ASSERT_EQ(fake.histories.size(), sync.histories.size());
  for (size_t l = 0; l < sync.histories.size(); ++l) EXPECT_TRUE(at::equal(fake.histories[l], sync.histories[l])) << l;
  EXPECT_TRUE(at::equal(fake.layerwise, sync.layerwise));
  EXPECT_GT(sync.histories[0].abs().sum().item<double>(), 0.0);
}

}  // namespace
}  // namespace gas
