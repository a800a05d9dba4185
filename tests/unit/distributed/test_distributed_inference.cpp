// Layer-wise inference on three ranks, each over its shard with a halo
// refresh between layers, against one process's layer-wise inference over
// the whole graph with the same weights: the same output for every node.
#include <gas/distributed/halo_exchange.h>
#include <gas/distributed/shard.h>
#include <gas/layerwise.h>
#include <gas/models/gcn.h>

#include "common/distributed/ranks.h"
#include "common/test_utils.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

namespace gas {
namespace {

TEST(DistributedInference, EqualsOneProcessOnTheSameWeights) {
  const int64_t n = 120, features = 5, classes = 4;
  torch::manual_seed(9);
  const CSR adj = gcn_norm(testing::random_graph(n, 5, 13));
  const at::Tensor x = at::randn({n, features});
  const at::Tensor all = at::ones({n}, at::kBool);
  const Dataset data{"g", adj, x, at::zeros({n}, at::kLong), all, all, all, classes};
  const auto options = models::GCNOptions(features, 8, classes, 3).dropout(0.0);

  // One process: a partition into 6 parts, its nodes in that order.
  const dist::RankPartition whole = dist::partition_ranks(adj, 1, 6, PartitionMethod::Random, 1);
  const Dataset g = data.permute(whole.partition.perm);
  models::GCN reference(n, options);
  const at::Tensor expected = at::empty({n, classes}).index_copy_(
      0, whole.partition.perm,
      layerwise_inference(*reference, EvalSubgraphLoader(g.adj, whole.partition.ptr, 2), g.x));

  const dist::RankPartition ranks = dist::partition_ranks(adj, 3, 9, PartitionMethod::Random, 4);
  testing::run_ranks(3, [&](dist::Communicator& comm) {
    const dist::Shard shard = dist::make_shard(data, ranks, comm.rank());
    models::GCN model(shard.num_local(), options);
    {
      torch::NoGradGuard no_grad;
      for (size_t i = 0; i < model->parameters().size(); ++i)
        model->parameters()[i].copy_(reference->parameters()[i]);
    }
    dist::HaloExchange halo(comm, ranks.owner_offsets, shard.halo());
    const at::Tensor out = layerwise_inference(
        *model, EvalSubgraphLoader(shard.data.adj, shard.ptr, 2), shard.data.x,
        LayerwiseOptions().after_layer([&](HistoryStore& h, int64_t layer) { halo.refresh(h, layer); }));
    ASSERT_EQ(out.size(0), shard.num_owned);
    const at::Tensor original = ranks.partition.perm.index_select(0, shard.global_id.narrow(0, 0, shard.num_owned));
    EXPECT_LT(testing::max_rel_diff(out, expected.index_select(0, original)), 1e-5) << "rank " << comm.rank();
  });
}

}  // namespace
}  // namespace gas
