#pragma once
/// \file
/// A rank's share of a graph: the partition that gives every rank a
/// contiguous block of nodes cut into GAS parts, and the rank-local dataset
/// (its nodes, then its halo) that GAS trains on unchanged.

#include <gas/datasets/dataset.h>
#include <gas/macros.h>
#include <gas/partition.h>

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace gas {
namespace dist {

/// Nodes spread over K ranks and, within each rank, over GAS parts.
struct GAS_API RankPartition {
  /// perm: new node i is old node perm[i], rank blocks one after another;
  /// ptr: every rank's parts, rank after rank.
  Partition partition;
  /// int64 [K+1]: rank r owns nodes [owner_offsets[r], owner_offsets[r+1])
  /// of the permuted order.
  at::Tensor owner_offsets;
  /// int64 [K+1]: rank r's parts are [rank_parts[r], rank_parts[r+1]).
  at::Tensor rank_parts;

  int64_t num_ranks() const { return owner_offsets.numel() - 1; }
};

/// Two levels: `method` cuts the graph into `ranks` blocks (for METIS the
/// cut between ranks is what it minimises), then each block's own subgraph
/// into its share of `num_parts` GAS parts. With one rank this is
/// partition_graph(adj, num_parts, method, seed) itself. Throws when a block
/// comes out empty (more ranks than the graph can feed).
GAS_API RankPartition partition_ranks(const CSR& adj, int64_t ranks, int64_t num_parts, PartitionMethod method,
                                      int64_t seed = 0);

/// How many nodes each rank would hold in its halo if rank r owned the nodes
/// of part r of `blocks` (the nodes its own point to and others own): what
/// a halo refresh moves, known from the partition alone (int64 [K]).
GAS_API at::Tensor halo_sizes(const CSR& adj, const Partition& blocks);

/// What one rank holds.
struct GAS_API Shard {
  /// Local nodes: the rank's own (num_owned, in global order), then its halo
  /// (the nodes its own read and others own, ascending). The adjacency has a
  /// row per own node over columns of every local node; halo nodes carry
  /// features and labels but are in no mask.
  Dataset data;
  /// int64 [num_local]: the global (permuted) id of each local node.
  at::Tensor global_id;
  /// The rank's GAS parts in local ids (from 0 to num_owned).
  at::Tensor ptr;
  int64_t num_owned = 0;

  int64_t num_local() const { return global_id.numel(); }
  int64_t num_halo() const { return num_local() - num_owned; }
  /// Global ids of the halo, as HaloExchange takes them.
  at::Tensor halo() const { return global_id.narrow(0, num_owned, num_halo()); }
};

/// Rank `rank`'s shard of `data` (the whole dataset in the order as loaded,
/// the adjacency transformed), cut by `ranks`. Touches the rank's rows only.
GAS_API Shard make_shard(const Dataset& data, const RankPartition& ranks, int64_t rank);

}  // namespace dist
}  // namespace gas
