#include <gas/loader.h>
#include <gas/partition.h>

#include "common/test_utils.h"

#include <ATen/Context.h>

#include <set>

namespace gas {
namespace {

// Path 0-1-2-3-4-5-6-7 plus the chord 1-5, in parts {0,1} {2,3,4} {5,6,7}.
CSR path_with_chord() {
  const at::Tensor ei = at::tensor({0, 1, 2, 3, 4, 5, 6, 1, 1, 2, 3, 4, 5, 6, 7, 5}, at::kLong).view({2, 8});
  return gcn_norm(to_symmetric(csr_from_edge_index(ei, 8, 8)));
}

const at::Tensor kPtr = at::tensor({0, 2, 5, 8}, at::kLong);

TEST(Loader, HaloAndRelabelOnHandMadeGraph) {
  const CSR adj = path_with_chord();
  const at::Tensor x = at::arange(16, at::kFloat).view({8, 2});
  const Batch b = make_batch(adj, kPtr, {2, 0}, x);
  EXPECT_EQ(b.batch_size, 5);
  EXPECT_TRUE(at::equal(b.n_id, at::tensor({0, 1, 5, 6, 7, 2, 4}, at::kLong)));
  EXPECT_TRUE(at::equal(b.halo(), at::tensor({2, 4}, at::kLong)));
  EXPECT_TRUE(at::equal(b.offset, at::tensor({0, 5}, at::kLong)));
  EXPECT_TRUE(at::equal(b.count, at::tensor({2, 3}, at::kLong)));
  EXPECT_EQ(b.parts, (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(b.adj.num_rows, 5);
  EXPECT_EQ(b.adj.num_cols, 7);
  b.adj.check();
  // Every in-batch row keeps all of its edges, with their normalised weights.
  const at::Tensor full = adj.to_dense();
  const at::Tensor expected = full.index_select(0, b.n_id.slice(0, 0, 5)).index_select(1, b.n_id);
  EXPECT_TRUE(at::equal(b.adj.to_dense(), expected));
  EXPECT_EQ(b.adj.nnz(), adj.row_degree().index_select(0, b.n_id.slice(0, 0, 5)).sum().item<int64_t>());
  EXPECT_TRUE(at::equal(b.x, x.index_select(0, b.n_id)));
  ASSERT_TRUE(b.adj.plan) << "a training batch carries its backward plan";
  EXPECT_EQ(b.adj.plan->leading_block_symmetric(), is_symmetric(adj));
}

TEST(Loader, AdjacentPartsMergeIntoOneRange) {
  const Batch b = make_batch(path_with_chord(), kPtr, {1, 0});
  EXPECT_TRUE(at::equal(b.offset, at::tensor({0}, at::kLong)));
  EXPECT_TRUE(at::equal(b.count, at::tensor({5}, at::kLong)));
  EXPECT_TRUE(at::equal(b.halo(), at::tensor({5}, at::kLong)));
}

TEST(Loader, RejectsBadParts) {
  EXPECT_THROW_WITH(make_batch(path_with_chord(), kPtr, {3}), "part 3 out of range");
  EXPECT_THROW_WITH(make_batch(path_with_chord(), kPtr, {1, 1}), "given twice");
  EXPECT_THROW_WITH(SubgraphLoader(path_with_chord(), at::tensor({0, 2, 7}, at::kLong)), "ptr must run from 0");
  EXPECT_THROW_WITH(SubgraphLoader(path_with_chord(), kPtr, at::zeros({7, 2})), "features have 7 rows");
}

struct Fixture {
  CSR adj;
  Partition partition;
  at::Tensor x;
};

Fixture partitioned_graph() {
  const CSR raw = testing::random_graph(300, 5, 11);
  Partition p = random_partition(300, 12, 1);
  const at::Tensor x = at::randn({300, 3});
  // Permute so that parts are contiguous, as the benchmarks do.
  const CSR adj = permute(raw, p.perm);
  return Fixture{adj, Partition{at::arange(300, at::kLong), p.ptr}, x.index_select(0, p.perm)};
}

// The out-of-batch 1-hop neighbours of `nodes`, by brute force on the dense matrix.
std::set<int64_t> brute_force_halo(const CSR& adj, const at::Tensor& nodes) {
  const at::Tensor dense = adj.to_dense();
  std::set<int64_t> in(nodes.data_ptr<int64_t>(), nodes.data_ptr<int64_t>() + nodes.numel()), halo;
  for (int64_t u : in)
    for (int64_t v = 0; v < adj.num_cols; ++v)
      if (dense[u][v].item<float>() != 0 && !in.count(v)) halo.insert(v);
  return halo;
}

TEST(Loader, EveryEpochCoversEveryNodeOnceWithExactHalos) {
  const Fixture f = partitioned_graph();
  SubgraphLoader loader(f.adj, f.partition.ptr, f.x, SubgraphLoaderOptions().batch_size(5).seed(3).num_workers(0));
  EXPECT_EQ(loader.size(), 3);
  for (int epoch = 0; epoch < 2; ++epoch) {
    std::vector<int64_t> seen;
    int64_t batches = 0;
    for (const Batch& b : loader) {
      ++batches;
      const at::Tensor nodes = b.n_id.slice(0, 0, b.batch_size);
      seen.insert(seen.end(), nodes.data_ptr<int64_t>(), nodes.data_ptr<int64_t>() + nodes.numel());
      const at::Tensor halo = b.halo();
      const std::set<int64_t> expected = brute_force_halo(f.adj, nodes);
      EXPECT_EQ(std::set<int64_t>(halo.data_ptr<int64_t>(), halo.data_ptr<int64_t>() + halo.numel()), expected);
      EXPECT_TRUE(at::equal(halo, std::get<0>(halo.sort()))) << "halo is listed in ascending order";
      // offset/count agree with ptr: they cover exactly the batch's parts.
      int64_t covered = 0;
      for (int64_t part : b.parts) covered += (f.partition.ptr[part + 1] - f.partition.ptr[part]).item<int64_t>();
      EXPECT_EQ(b.count.sum().item<int64_t>(), covered);
      EXPECT_EQ(covered, b.batch_size);
      EXPECT_TRUE(at::equal(b.x, f.x.index_select(0, b.n_id)));
    }
    EXPECT_EQ(batches, 3);
    std::sort(seen.begin(), seen.end());
    std::vector<int64_t> all(300);
    std::iota(all.begin(), all.end(), 0);
    EXPECT_EQ(seen, all);
  }
}

std::vector<std::vector<int64_t>> epoch_parts(SubgraphLoader& loader) {
  std::vector<std::vector<int64_t>> out;
  for (const Batch& b : loader) out.push_back(b.parts);
  return out;
}

TEST(Loader, ShuffleIsSeededAndWorkersMatchTheCallingThread) {
  const Fixture f = partitioned_graph();
  SubgraphLoader sync(f.adj, f.partition.ptr, f.x, SubgraphLoaderOptions().batch_size(2).seed(9).num_workers(0));
  SubgraphLoader async(f.adj, f.partition.ptr, f.x, SubgraphLoaderOptions().batch_size(2).seed(9).num_workers(3));
  const auto e0 = epoch_parts(sync), e1 = epoch_parts(sync);
  EXPECT_NE(e0, e1) << "each epoch reshuffles";
  EXPECT_EQ(epoch_parts(async), e0);
  EXPECT_EQ(epoch_parts(async), e1);
  sync.reseed(9);
  EXPECT_EQ(epoch_parts(sync), e0);
  // Batches built by workers are identical to those built inline.
  sync.reseed(9);
  async.reseed(9);
  for (auto s = sync.begin(), w = async.begin(); s != sync.end(); ++s, ++w) {
    EXPECT_TRUE(at::equal(s->n_id, w->n_id));
    EXPECT_TRUE(at::equal(s->adj.col, w->adj.col));
  }
}

TEST(Loader, LeavingAnEpochEarlyStopsTheWorkers) {
  const Fixture f = partitioned_graph();
  SubgraphLoader loader(f.adj, f.partition.ptr, f.x, SubgraphLoaderOptions().batch_size(1).num_workers(2));
  for (int epoch = 0; epoch < 5; ++epoch) {
    int64_t taken = 0;
    for (const Batch& b : loader) {
      EXPECT_GT(b.batch_size, 0);
      if (++taken == 2) break;
    }
    EXPECT_EQ(taken, 2);
  }
}

TEST(Loader, PrecomputedSinglePartBatchesMatchMakeBatch) {
  const Fixture f = partitioned_graph();
  SubgraphLoader loader(f.adj, f.partition.ptr, f.x, SubgraphLoaderOptions().batch_size(1).shuffle(false));
  int64_t part = 0;
  for (const Batch& b : loader) {
    const Batch expected = make_batch(f.adj, f.partition.ptr, {part++}, f.x);
    EXPECT_TRUE(at::equal(b.n_id, expected.n_id));
    EXPECT_TRUE(at::equal(b.adj.col, expected.adj.col));
    EXPECT_TRUE(at::equal(b.x, expected.x));
  }
  EXPECT_EQ(part, 12);
}

TEST(Loader, PrecomputedGroupsAreFixedAndReordered) {
  const Fixture f = partitioned_graph();
  SubgraphLoader loader(f.adj, f.partition.ptr, f.x,
                        SubgraphLoaderOptions().batch_size(3).seed(4).precompute(true).num_workers(1));
  const auto first = epoch_parts(loader), second = epoch_parts(loader);
  EXPECT_NE(first, second) << "the order changes";
  EXPECT_EQ(std::set<std::vector<int64_t>>(first.begin(), first.end()),
            std::set<std::vector<int64_t>>(second.begin(), second.end()))
      << "the groups do not";
  for (const Batch& b : loader) {
    const Batch expected = make_batch(f.adj, f.partition.ptr, b.parts, f.x);
    EXPECT_TRUE(at::equal(b.n_id, expected.n_id));
    EXPECT_TRUE(at::equal(b.x, expected.x));
  }
}

// The loader checks its graph once: an undirected graph's batches' plans
// claim their in-batch block symmetric and index no column, a directed
// graph's index every column.
TEST(Loader, BatchesOfSymmetricGraphsNeedNoTranspose) {
  const at::Tensor directed_edges = at::tensor({0, 1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6, 7}, at::kLong).view({2, 7});
  for (const bool undirected : {true, false}) {
    const CSR adj = undirected ? path_with_chord() : csr_from_edge_index(directed_edges, 8, 8);
    ASSERT_FALSE(adj.plan) << "nothing marks it before the loader";
    SubgraphLoader loader(adj, kPtr, {}, SubgraphLoaderOptions().batch_size(2).precompute(false));
    EXPECT_EQ(loader.symmetric(), undirected);
    for (const Batch& b : loader) {
      ASSERT_TRUE(b.adj.plan);
      EXPECT_EQ(b.adj.plan->leading_block_symmetric(), undirected);
      EXPECT_EQ(b.adj.plan->columns().defined(), !undirected);
    }
  }
}

// Pinned batches are for a CUDA device: without one the option is refused
// at construction, by name (tests/unit/models checks them pinned on a GPU).
TEST(Loader, PinMemoryNeedsACudaDevice) {
  if (at::hasCUDA()) GTEST_SKIP() << "a CUDA device is present: pinning works";
  const CSR adj = testing::random_graph(20, 3, 1);
  EXPECT_THROW_WITH(SubgraphLoader(adj, at::tensor({0, 10, 20}, at::kLong), {}, SubgraphLoaderOptions().pin_memory(true)),
                    "SubgraphLoader: pin_memory needs a CUDA device");
}

TEST(Loader, EvalLoaderGroupsConsecutiveParts) {
  const Fixture f = partitioned_graph();
  const EvalSubgraphLoader eval(f.adj, f.partition.ptr, 5);
  ASSERT_EQ(eval.size(), 3);
  EXPECT_EQ(eval.batches()[0].parts, (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(eval.batches()[2].parts, (std::vector<int64_t>{10, 11}));
  int64_t covered = 0, max_halo = 0;
  for (const Batch& b : eval) {
    EXPECT_EQ(b.offset.numel(), 1) << "consecutive parts form one range";
    covered += b.batch_size;
    max_halo = std::max(max_halo, b.num_halo());
  }
  EXPECT_EQ(covered, 300);
  EXPECT_EQ(eval.max_halo(), max_halo);
}

}  // namespace
}  // namespace gas
