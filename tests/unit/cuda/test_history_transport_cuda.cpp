// The CUDA transports (cuda/history_transport_cuda.cpp) move bitwise the
// same rows as the synchronous store over many batches: METIS-like part
// ranges and scattered in-batch ids, halos of every size (none included),
// with unrelated work on the compute stream so that the side streams race
// it. Skipped, in one line, where there is no device or no CUDA build.
#include <gas/history/store.h>
#include <gas/history/transport.h>
#include <gas/loader.h>

#include "common/test_utils.h"

#include <algorithm>
#include <numeric>
#include <random>

namespace gas {
namespace {

const c10::Device kCuda(c10::kCUDA, 0);
constexpr int64_t kNodes = 6000, kPart = 150;

// Parts [p * kPart, (p + 1) * kPart); a batch of a few parts, its halo a
// sorted sample of the other nodes; every third batch without ranges.
Batch random_batch(std::mt19937_64& rng, int64_t b) {
  std::vector<int64_t> parts(kNodes / kPart);
  std::iota(parts.begin(), parts.end(), 0);
  std::shuffle(parts.begin(), parts.end(), rng);
  const int64_t chosen = 1 + static_cast<int64_t>(rng() % 4);
  std::sort(parts.begin(), parts.begin() + chosen);
  std::vector<int64_t> ids, offset, count;
  std::vector<bool> in(kNodes, false);
  for (int64_t i = 0; i < chosen; ++i) {
    offset.push_back(parts[i] * kPart);
    count.push_back(kPart);
    for (int64_t v = parts[i] * kPart; v < (parts[i] + 1) * kPart; ++v) {
      ids.push_back(v);
      in[v] = true;
    }
  }
  const int64_t batch_size = static_cast<int64_t>(ids.size());
  const int64_t halo = b % 10 == 0 ? 0 : static_cast<int64_t>(rng() % 2000);
  std::vector<int64_t> others;
  for (int64_t v = 0; v < kNodes; ++v)
    if (!in[v]) others.push_back(v);
  std::shuffle(others.begin(), others.end(), rng);
  others.resize(halo);
  std::sort(others.begin(), others.end());
  ids.insert(ids.end(), others.begin(), others.end());
  Batch batch;
  batch.n_id = at::tensor(ids, at::kLong);
  batch.batch_size = batch_size;
  if (b % 3 != 0) {
    batch.offset = at::tensor(offset, at::kLong);
    batch.count = at::tensor(count, at::kLong);
  }
  return batch;
}

void expect_transport_matches_sync(const std::string& name) {
  const std::vector<int64_t> widths{16, 64, 1};
  HistoryStore sync(kNodes, widths);
  HistoryStore device(kNodes, widths, host_history_backend(), kCuda);
  device.set_transport(make_history_transport(name, 2));
  ASSERT_EQ(device.transport().name(), name);
  for (int64_t l = 0; l < device.size(); ++l) {
    const at::Tensor start = at::randn({kNodes, widths[l]});
    sync.push(l, start);
    device.push(l, start.to(kCuda));
  }
  std::mt19937_64 rng(7);
  const at::Tensor busy = at::randn({1024, 1024}, at::TensorOptions(kCuda));
  for (int64_t b = 0; b < 120; ++b) {
    const Batch batch = random_batch(rng, b);
    sync.begin_batch(batch);
    device.begin_batch(batch);
    for (int64_t l = 0; l < device.size(); ++l) {
      const at::Tensor x = at::randn({batch.n_id.numel(), widths[l]});
      if (b % 2 == 0) (void)busy.matmul(busy);  // the compute stream lags the side streams
      sync.push(l, x, batch);
      device.push(l, x.to(kCuda), batch);
      const at::Tensor expected = sync.pull(l, batch), got = device.pull(l, batch);
      ASSERT_EQ(got.device(), kCuda);
      ASSERT_TRUE(at::equal(got.cpu(), expected)) << name << ": batch " << b << ", history " << l;
    }
    sync.end_batch();
    device.end_batch();
  }
  for (int64_t l = 0; l < device.size(); ++l)
    EXPECT_TRUE(at::equal(device.pull(l).cpu(), sync.pull(l))) << name << ": history " << l << " after training";
}

TEST(CudaHistoryTransport, StagedMovesBitwiseTheRowsOfTheSyncStore) {
  GAS_REQUIRE_CUDA();
  expect_transport_matches_sync("staged");
}

TEST(CudaHistoryTransport, UvaMovesBitwiseTheRowsOfTheSyncStore) {
  GAS_REQUIRE_CUDA();
  expect_transport_matches_sync("uva");
}

// Host histories of a CUDA model are pinned (cudaHostAlloc), so the UVA
// transport can read them; plain host histories are refused by name.
TEST(CudaHistoryTransport, HostHistoriesOfACudaModelArePinned) {
  GAS_REQUIRE_CUDA();
  HistoryStore store(1000, {3}, host_history_backend(), kCuda);
  EXPECT_TRUE(at::equal(store.pull(0, at::arange(1000, at::kLong)).cpu(), at::zeros({1000, 3})));
  // The uva transport reads the rows in place, and refuses unpinned ones.
  store.set_transport(make_history_transport("uva"));
  Batch small;
  small.n_id = at::tensor({0, 1, 7, 9}, at::kLong);
  small.batch_size = 2;
  store.begin_batch(small);
  EXPECT_TRUE(at::equal(store.pull(0, small).cpu(), at::zeros({2, 3})));
  store.end_batch();
  HistoryStore plain(1000, {3});
  plain.set_transport(make_history_transport("uva"));
  std::mt19937_64 rng(1);
  const Batch batch = random_batch(rng, 1);
  EXPECT_THROW_WITH(plain.begin_batch(batch), "unpinned host memory");
}

}  // namespace
}  // namespace gas
