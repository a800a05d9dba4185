// A rank's shard against the whole graph: its rows are the graph's rows of
// its nodes (same neighbours, same weights), its halo is exactly their
// outside neighbours, and a batch of its parts is the whole graph's batch of
// the same parts, node for node.
#include <gas/distributed/shard.h>
#include <gas/loader.h>

#include "common/test_utils.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

namespace gas {
namespace {

Dataset weighted_graph(int64_t n) {
  torch::manual_seed(3);
  const CSR adj = gcn_norm(testing::random_graph(n, 5, 11));
  const at::Tensor mask = at::rand({n}).lt(0.3);
  return Dataset{"g", adj, at::randn({n, 4}), at::randint(0, 3, {n}, at::kLong), mask, mask.logical_not(),
                 mask.logical_not(), 3};
}

TEST(PartitionRanks, OneRankIsThePlainPartition) {
  const Dataset d = weighted_graph(80);
  const dist::RankPartition one = dist::partition_ranks(d.adj, 1, 6, PartitionMethod::Random, 5);
  const Partition plain = partition_graph(d.adj, 6, PartitionMethod::Random, 5);
  EXPECT_TRUE(one.partition.perm.equal(plain.perm));
  EXPECT_TRUE(one.partition.ptr.equal(plain.ptr));
  EXPECT_TRUE(one.owner_offsets.equal(at::tensor({0, 80}, at::kLong)));
}

TEST(PartitionRanks, GivesEveryRankAContiguousBlockOfItsOwnParts) {
  const Dataset d = weighted_graph(150);
  for (const auto method : {PartitionMethod::Random, has_metis() ? PartitionMethod::Metis : PartitionMethod::Range}) {
    const dist::RankPartition r = dist::partition_ranks(d.adj, 3, 10, method, 1);
    EXPECT_TRUE(std::get<0>(r.partition.perm.sort()).equal(at::arange(150, at::kLong))) << "a permutation";
    EXPECT_EQ(r.rank_parts[3].item<int64_t>(), r.partition.num_parts());
    EXPECT_EQ(r.partition.num_parts(), 10);
    for (int64_t k = 0; k < 3; ++k) {
      // Rank k's parts start at its first node and end at its last.
      EXPECT_EQ(r.partition.ptr[r.rank_parts[k]].item<int64_t>(), r.owner_offsets[k].item<int64_t>());
      EXPECT_EQ(r.partition.ptr[r.rank_parts[k + 1]].item<int64_t>(), r.owner_offsets[k + 1].item<int64_t>());
      EXPECT_GT(r.owner_offsets[k + 1].item<int64_t>(), r.owner_offsets[k].item<int64_t>());
    }
  }
  EXPECT_THROW(dist::partition_ranks(d.adj, 4, 3, PartitionMethod::Random), c10::Error);
}

TEST(Shard, HoldsItsRowsAndHaloAndBatchesAsTheWholeGraphDoes) {
  const int64_t n = 150;
  const Dataset d = weighted_graph(n);
  const dist::RankPartition r = dist::partition_ranks(d.adj, 3, 9, PartitionMethod::Random, 2);
  const Dataset g = d.permute(r.partition.perm);
  const at::Tensor dense = g.adj.to_dense();
  int64_t owned_total = 0;
  for (int64_t k = 0; k < 3; ++k) {
    const dist::Shard s = dist::make_shard(d, r, k);
    const int64_t lo = r.owner_offsets[k].item<int64_t>(), hi = r.owner_offsets[k + 1].item<int64_t>();
    owned_total += s.num_owned;
    ASSERT_EQ(s.num_owned, hi - lo);
    EXPECT_TRUE(s.global_id.narrow(0, 0, s.num_owned).equal(at::arange(lo, hi, at::kLong)));
    // The rows, as a dense matrix over the local columns, against the graph's.
    EXPECT_TRUE(s.data.adj.to_dense().equal(dense.narrow(0, lo, hi - lo).index_select(1, s.global_id)));
    // The halo: every outside column of the rows, and nothing else.
    const at::Tensor outside = dense.narrow(0, lo, hi - lo).ne(0).any(0);
    outside.narrow(0, lo, hi - lo).fill_(false);
    EXPECT_TRUE(s.halo().equal(outside.nonzero().squeeze(1)));
    EXPECT_TRUE(s.data.x.equal(g.x.index_select(0, s.global_id)));
    EXPECT_TRUE(s.data.y.equal(g.y.index_select(0, s.global_id)));
    EXPECT_TRUE(s.data.train_mask.narrow(0, 0, s.num_owned).equal(g.train_mask.narrow(0, lo, hi - lo)));
    EXPECT_FALSE(s.data.train_mask.narrow(0, s.num_owned, s.num_halo()).any().item<bool>()) << "halo in a mask";
    // A batch of two of the rank's parts, on the shard and on the whole graph:
    // the same nodes, edges and features once the shard's ids are made
    // global (its halo lists the rank's halo after the rank's own nodes).
    const int64_t first = r.rank_parts[k].item<int64_t>();
    const Batch local = make_batch(s.data.adj, s.ptr, {0, 2}, s.data.x);
    const Batch global = make_batch(g.adj, r.partition.ptr, {first, first + 2}, g.x);
    const at::Tensor local_ids = s.global_id.index_select(0, local.n_id);
    EXPECT_TRUE(std::get<0>(local_ids.sort()).equal(std::get<0>(global.n_id.sort()))) << "rank " << k;
    EXPECT_EQ(local.batch_size, global.batch_size);
    auto wide = [n](const Batch& b, const at::Tensor& ids) {  // [batch_size, n]: columns at global ids
      return at::zeros({b.batch_size, n}, at::kFloat).index_copy_(1, ids, b.adj.to_dense());
    };
    EXPECT_TRUE(wide(local, local_ids).equal(wide(global, global.n_id)));
    EXPECT_TRUE(at::zeros({n, 4}).index_copy_(0, local_ids, local.x).equal(at::zeros({n, 4}).index_copy_(0, global.n_id, global.x)));
    EXPECT_TRUE(SubgraphLoader(s.data.adj, s.ptr, s.data.x).symmetric()) << "the own block of a symmetric graph";
    EvalSubgraphLoader eval(s.data.adj, s.ptr, 2);
    EXPECT_EQ(eval.num_rows(), s.num_owned);
    EXPECT_EQ(eval.num_nodes(), s.num_local());
  }
  EXPECT_EQ(owned_total, n);
  // The halo sizes the partition predicts are the shards' own.
  const Partition blocks{r.partition.perm, r.owner_offsets};
  const at::Tensor sizes = dist::halo_sizes(d.adj, blocks);  // in the original numbering
  for (int64_t k = 0; k < 3; ++k) EXPECT_EQ(sizes[k].item<int64_t>(), dist::make_shard(d, r, k).num_halo());
}

TEST(Shard, LoadersRefuseMoreRowsThanColumnsAndShortFeatures) {
  const Dataset d = weighted_graph(40);
  const dist::RankPartition r = dist::partition_ranks(d.adj, 2, 4, PartitionMethod::Random, 2);
  const dist::Shard s = dist::make_shard(d, r, 1);
  EXPECT_THROW(SubgraphLoader(s.data.adj, s.ptr, s.data.x.narrow(0, 0, s.num_owned)), c10::Error);
  EXPECT_THROW(SubgraphLoader(transpose(s.data.adj), at::tensor(std::vector<int64_t>{0, s.num_local()}, at::kLong)), c10::Error);
}

}  // namespace
}  // namespace gas
