// Data-parallel steps: the all-reduced gradient equals the gradient one
// process computes over every rank's targets; a collective epoch keeps the
// ranks' weights identical when their batch counts differ; one rank
// reproduces the single-process epoch bit for bit; batch norm's running
// statistics averaged over the ranks.
#include <gas/distributed/data_parallel.h>
#include <gas/distributed/shard.h>
#include <gas/models/gcn.h>
#include <gas/partition.h>
#include <gas/train.h>

#include "common/distributed/ranks.h"
#include "common/test_utils.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/nn/modules/batchnorm.h>

namespace gas {
namespace {

constexpr int64_t kNodes = 60;

Dataset graph(const at::Tensor& train_mask) {
  torch::manual_seed(5);
  const CSR adj = gcn_norm(testing::random_graph(kNodes, 4, 8));
  return Dataset{"g", adj, at::randn({kNodes, 6}), at::randint(0, 3, {kNodes}, at::kLong), train_mask,
                 train_mask.logical_not(), train_mask.logical_not(), 3};
}

models::GCN model(uint64_t seed) {
  torch::manual_seed(seed);
  return models::GCN(kNodes, models::GCNOptions(6, 8, 3, 2).dropout(0.0));
}

at::Tensor flat_grads(ScalableGNNImpl& m) {
  std::vector<at::Tensor> g;
  for (const auto& p : m.parameters()) g.push_back(p.grad().reshape(-1));
  return at::cat(g);
}

at::Tensor flat_params(ScalableGNNImpl& m) {
  std::vector<at::Tensor> v;
  for (const auto& p : m.parameters()) v.push_back(p.detach().reshape(-1));
  return at::cat(v);
}

TEST(GradientAllReduce, GivesTheGradientOfEveryRanksTargetsTogether) {
  // Reference: one process, the full graph, the union of the ranks' targets.
  const at::Tensor owner = at::arange(kNodes, at::kLong).remainder(3);  // rank of each training node
  const at::Tensor in_train = at::arange(kNodes, at::kLong).lt(45);
  auto reference = model(1);
  Dataset all = graph(in_train);
  node_loss(reference->forward(all.x, all.adj).index({in_train}), all.y.index({in_train})).backward();
  const at::Tensor expected = flat_grads(*reference);

  testing::run_ranks(3, [&](dist::Communicator& comm) {
    auto m = model(comm.rank() == 0 ? 1 : 100 + comm.rank());  // rank 0's weights are the reference's
    dist::broadcast_parameters(comm, *m);
    EXPECT_TRUE(flat_params(*m).equal(flat_params(*reference)));
    const at::Tensor mine = in_train.logical_and(owner.eq(comm.rank()));
    const at::Tensor out = m->forward(all.x, all.adj);
    const at::Tensor loss = node_loss(out.index({mine}), all.y.index({mine}));
    loss.backward();
    StepTargets step{mine.sum().item<int64_t>(), loss.detach().to(at::kDouble) * mine.sum().item<double>()};
    dist::GradientAllReduce(comm).after_backward(*m, step);
    EXPECT_EQ(step.examples, 45);
    EXPECT_LT(testing::max_rel_diff(flat_grads(*m), expected), 1e-5) << "rank " << comm.rank();
  });
}

// Two ranks with uneven loaders: rank 0 trains every node over 4 parts (2
// batches per epoch), rank 1 has one batch and no training node at all; a
// collective epoch of two steps keeps their weights identical.
TEST(GradientAllReduce, CollectiveEpochKeepsUnevenRanksInStep) {
  testing::run_ranks(2, [&](dist::Communicator& comm) {
    const bool first = comm.rank() == 0;
    const at::Tensor mask = first ? at::ones({kNodes}, at::kBool) : at::zeros({kNodes}, at::kBool);
    Dataset data = graph(mask);
    const at::Tensor ptr = first ? at::tensor({0, 10, 20, 30, 60}, at::kLong) : at::tensor({0, 60}, at::kLong);
    SubgraphLoader loader(data.adj, ptr, data.x, SubgraphLoaderOptions().batch_size(2).num_workers(0).seed(3));
    auto m = model(7 + comm.rank());
    dist::broadcast_parameters(comm, *m);
    auto optimizer = make_adam(*m, 0.01, 0, 0);
    dist::GradientAllReduce sync(comm);
    for (int epoch = 0; epoch < 2; ++epoch) {
      const TrainEpochStats stats =
          train_epoch(*m, loader, *optimizer, data, TrainEpochOptions().collective_steps(2), {&sync});
      EXPECT_EQ(stats.steps, 2) << "rank " << comm.rank() << " steps with the job";
      at::Tensor params = flat_params(*m).clone();
      const at::Tensor all = comm.all_gather(params.unsqueeze(0));
      EXPECT_TRUE(all[0].equal(all[1])) << "epoch " << epoch;
    }
  });
}

// Two ranks training their shards with each halo schedule: identical
// weights after every epoch, and once a refresh has landed every halo row
// of every history is its owner's current row.
TEST(DataParallelHook, EveryHaloScheduleKeepsRanksInStepAndHalosCurrent) {
  const at::Tensor mask = at::arange(kNodes, at::kLong).remainder(3).eq(0);
  const Dataset whole = graph(mask);
  const dist::RankPartition ranks = dist::partition_ranks(whole.adj, 2, 8, PartitionMethod::Random, 6);
  for (const auto refresh : {dist::HaloRefresh::Epoch, dist::HaloRefresh::Step, dist::HaloRefresh::Pipelined}) {
    testing::run_ranks(2, [&](dist::Communicator& comm) {
      const dist::Shard shard = dist::make_shard(whole, ranks, comm.rank());
      torch::manual_seed(2);
      models::GCN m(shard.num_local(), models::GCNOptions(6, 8, 3, 3).dropout(0.0));
      dist::broadcast_parameters(comm, *m);
      dist::HaloExchange halo(comm, ranks.owner_offsets, shard.halo());
      dist::DataParallelHook hook(comm, halo, *m, refresh);
      SubgraphLoader loader(shard.data.adj, shard.ptr, shard.data.x, SubgraphLoaderOptions().batch_size(1).seed(1));
      auto optimizer = make_adam(*m, 0.01, 0, 0);
      for (int epoch = 0; epoch < 2; ++epoch) {
        train_epoch(*m, loader, *optimizer, shard.data, TrainEpochOptions().collective_steps(4), {&hook});
        hook.finish_pending();
        const at::Tensor all = comm.all_gather(flat_params(*m).unsqueeze(0));
        EXPECT_TRUE(all[0].equal(all[1])) << "epoch " << epoch;
      }
      if (refresh == dist::HaloRefresh::Epoch) hook.refresh_halo();  // what the end of a non-evaluated epoch does
      for (int64_t layer = 0; layer < m->histories().size(); ++layer) {
        at::Tensor current = m->histories().pull(layer).contiguous();
        const at::Tensor before = current.clone();
        halo.refresh(current);  // the owners' rows as they stand now
        EXPECT_TRUE(current.equal(before)) << "layer " << layer << ", rank " << comm.rank();
      }
    });
  }
}

TEST(GradientAllReduce, OneRankIsTheSingleProcessBitForBit) {
  const at::Tensor mask = at::arange(kNodes, at::kLong).remainder(2).eq(0);
  Dataset data = graph(mask);
  const Partition p = random_partition(kNodes, 6, 1);
  const Dataset permuted = data.permute(p.perm);
  auto train = [&](TrainHook* hook, int64_t collective) {
    SubgraphLoader loader(permuted.adj, p.ptr, permuted.x, SubgraphLoaderOptions().batch_size(2).num_workers(0).seed(4));
    auto m = model(11);
    auto optimizer = make_adam(*m, 0.01, 5e-4, 0);
    std::vector<TrainHook*> hooks;
    if (hook) hooks.push_back(hook);
    double loss = 0;
    for (int epoch = 0; epoch < 3; ++epoch)
      loss = train_epoch(*m, loader, *optimizer, permuted, TrainEpochOptions().collective_steps(collective), hooks).loss;
    return std::make_pair(flat_params(*m), loss);
  };
  const auto single = train(nullptr, 0);
  testing::run_ranks(1, [&](dist::Communicator& comm) {
    dist::GradientAllReduce sync(comm);
    const auto one = train(&sync, 3);
    EXPECT_TRUE(one.first.equal(single.first));
    EXPECT_EQ(one.second, single.second);
  });
}

// Batch norm's running statistics become the mean of the ranks'; integer
// buffers (the batch counter) stay each rank's own.
TEST(AverageBuffers, GivesEveryRankTheMeanOfTheRanksRunningStatistics) {
  testing::run_ranks(3, [&](dist::Communicator& comm) {
    torch::nn::BatchNorm1d bn(4);
    const double r = static_cast<double>(comm.rank());
    bn->running_mean.copy_(at::arange(4, at::kFloat).add(10 * r));
    bn->running_var.fill_(1 + r);
    bn->num_batches_tracked.fill_(comm.rank());
    dist::average_buffers(comm, *bn);
    EXPECT_TRUE(bn->running_mean.allclose(at::arange(4, at::kFloat).add(10.0)));  // (0 + 10 + 20) / 3
    EXPECT_TRUE(bn->running_var.allclose(at::full({4}, 2.0f)));
    EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), comm.rank());
  });
  testing::run_ranks(1, [&](dist::Communicator& comm) {  // one rank: untouched, bit for bit
    torch::nn::BatchNorm1d bn(4);
    bn->running_mean.copy_(at::randn({4}));
    const at::Tensor before = bn->running_mean.clone();
    dist::average_buffers(comm, *bn);
    EXPECT_TRUE(bn->running_mean.equal(before));
  });
}

}  // namespace
}  // namespace gas
