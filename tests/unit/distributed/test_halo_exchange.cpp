// The halo exchange on a random graph split into uneven rank ranges: after a
// refresh every halo row equals its owner's row, in a plain table and in a
// HistoryStore, and the bytes moved are what the partition predicts.
#include <gas/distributed/halo_exchange.h>
#include <gas/history/store.h>

#include "common/distributed/ranks.h"
#include "common/test_utils.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

namespace gas {
namespace {

// Global ids of the nodes that rank-range [lo, hi)'s rows read and do not own.
at::Tensor halo_of(const CSR& adj, int64_t lo, int64_t hi) {
  const at::Tensor cols = adj.col.narrow(0, adj.rowptr[lo].item<int64_t>(),
                                         adj.rowptr[hi].item<int64_t>() - adj.rowptr[lo].item<int64_t>());
  const at::Tensor outside = cols.lt(lo).logical_or(cols.ge(hi));
  return std::get<0>(at::_unique(cols.masked_select(outside), /*sorted=*/true));
}

TEST(HaloExchange, EveryHaloRowEqualsItsOwnersAndTheBytesAreThePartitions) {
  const int64_t n = 120, width = 5;
  const CSR adj = testing::random_graph(n, 4, 3);
  const at::Tensor global = at::randn({n, width});  // row i: node i's embedding, as its owner holds it
  for (const int64_t k : {2, 4}) {
    // Uneven ranges, one of them empty for k = 4.
    const at::Tensor offsets = k == 2 ? at::tensor({0, 50, 120}, at::kLong) : at::tensor({0, 30, 30, 85, 120}, at::kLong);
    testing::run_ranks(k, [&](dist::Communicator& comm) {
      const int64_t r = comm.rank();
      const int64_t lo = offsets[r].item<int64_t>(), hi = offsets[r + 1].item<int64_t>();
      const at::Tensor halo = halo_of(adj, lo, hi);
      dist::HaloExchange exchange(comm, offsets, halo);
      ASSERT_EQ(exchange.num_owned(), hi - lo);
      ASSERT_EQ(exchange.num_halo(), halo.numel());

      at::Tensor table = at::cat({global.narrow(0, lo, hi - lo), at::zeros({halo.numel(), width})});
      exchange.refresh(table);
      EXPECT_TRUE(table.narrow(0, hi - lo, halo.numel()).equal(global.index_select(0, halo))) << "rank " << r;
      EXPECT_TRUE(table.narrow(0, 0, hi - lo).equal(global.narrow(0, lo, hi - lo)));

      HistoryStore store(hi - lo + halo.numel(), {width, 2});
      store.push(0, table.narrow(0, 0, hi - lo).mul(2), at::arange(hi - lo, at::kLong));
      comm.reset_traffic();
      exchange.refresh(store, 0);
      EXPECT_TRUE(store.pull(0).narrow(0, hi - lo, halo.numel()).equal(global.index_select(0, halo).mul(2)));
      EXPECT_EQ(comm.traffic().at("all_to_all").bytes_received, exchange.bytes_per_refresh(width));
      EXPECT_EQ(exchange.bytes_per_refresh(width), halo.numel() * width * 4);
    });
  }
}

TEST(HaloExchange, RefusesAHaloThatIsOwnedOrUnsorted) {
  testing::run_ranks(2, [](dist::Communicator& comm) {
    const at::Tensor offsets = at::tensor({0, 4, 8}, at::kLong);
    const int64_t own = comm.rank() * 4;
    // Each check throws before any collective, on both ranks alike.
    EXPECT_THROW(dist::HaloExchange(comm, offsets, at::tensor({own}, at::kLong)), c10::Error);
    EXPECT_THROW(dist::HaloExchange(comm, offsets, at::tensor({6, 5}, at::kLong) - own), c10::Error);
    EXPECT_THROW(dist::HaloExchange(comm, offsets, at::tensor({9}, at::kLong)), c10::Error);
    EXPECT_THROW(dist::HaloExchange(comm, at::tensor({0, 8}, at::kLong), at::tensor({1}, at::kLong)), c10::Error);
  });
}

}  // namespace
}  // namespace gas
