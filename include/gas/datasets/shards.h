#pragma once
/// \file
/// A graph stored as the shards of a data-parallel job: one directory per
/// rank, so that each process of the job reads its own nodes and halo only
/// and never holds the whole graph. `gas_data partition ... out=DIR` writes
/// them; a job started with `shards=DIR` reads them.
///
///   DIR/shards.json                  what the set holds (written last: a set without it is incomplete)
///   DIR/degree.npy                   int64 [N]: every node's degree in the transformed graph
///   DIR/perm.npy                     int64 [N]: the partition's order (node i of the set is node perm[i] as loaded)
///   DIR/rank<r>/global_id.npy        int64: the rank's own nodes, then its halo (ids of the permuted graph)
///   DIR/rank<r>/ptr.npy              int64: its GAS parts
///   DIR/rank<r>/rowptr.npy, col.npy  its rows of the transformed adjacency, over local ids
///   DIR/rank<r>/value.npy            their weights (when the transform gives some)
///   DIR/rank<r>/x.npy, y.npy, train_mask.npy, val_mask.npy, test_mask.npy

#include <gas/datasets/dataset.h>
#include <gas/distributed/shard.h>
#include <gas/macros.h>

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>

namespace gas {

/// What shards.json says.
struct GAS_API ShardSetInfo {
  std::string dataset;      ///< the dataset's name as loaded
  std::string transform;    ///< applied to the adjacency before sharding: gcn_norm, self_loops or none
  int64_t nodes = 0, edges = 0, features = 0, classes = 0;
  bool multilabel = false;
  int64_t ranks = 0, num_parts = 0;
  at::Tensor owner_offsets;  ///< int64 [ranks + 1]
  std::string partition;     ///< the partition method
};

/// Applies `transform` to `data`'s adjacency, cuts it for `ranks` processes
/// into `num_parts` GAS parts (dist::partition_ranks) and writes every
/// rank's shard under `dir` (which must not exist; written beside it and
/// moved into place, so an interrupted write leaves nothing at `dir`).
/// `progress` is called after each rank.
GAS_API ShardSetInfo write_shards(const Dataset& data, const std::string& transform, int64_t ranks,
                                  int64_t num_parts, PartitionMethod method, int64_t seed, const std::string& dir,
                                  const std::function<void(int64_t rank)>& progress = nullptr);

/// shards.json of `dir`; throws naming the file when it is missing or malformed.
GAS_API ShardSetInfo read_shard_info(const std::string& dir);

/// Rank `rank`'s shard of the set in `dir` that `info` (read_shard_info)
/// describes. `mmap` ("true", "false", "auto") as the custom dataset's
/// data.mmap: the features mapped read-only or read.
GAS_API dist::Shard read_shard(const std::string& dir, const ShardSetInfo& info, int64_t rank,
                               const std::string& mmap = "auto");

/// The set's node order (int64 [N]): for outputs in the order as loaded.
GAS_API at::Tensor read_shard_permutation(const std::string& dir);

/// The degrees written with the set (int64 [N]), for the models' degree statistics.
GAS_API at::Tensor read_shard_degrees(const std::string& dir);

}  // namespace gas
