#pragma once
/// \file
/// Minibatches of METIS parts with their 1-hop halo, as GAS trains on them.

#include <gas/compat.h>
#include <gas/graph.h>
#include <gas/macros.h>
#include <gas/ops/spmm_plan.h>

#include <torch/arg.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace gas {

/// One GAS minibatch: the nodes of a few parts, plus the out-of-batch
/// neighbours (halo) whose embeddings come from the histories.
///
/// Example: with ptr = [0, 2, 5, 8] and a batch of parts {0, 2}, the in-batch
/// nodes are 0, 1, 5, 6, 7. If they have out-of-batch neighbours 3 and 4,
///   n_id       = [0, 1, 5, 6, 7, 3, 4]   (in-batch first, then halo)
///   batch_size = 5
///   offset     = [0, 5]                  (first node of each part)
///   count      = [2, 3]                  (nodes of each part)
/// and adj is 5 x 7 with columns numbered by position in n_id.
struct GAS_API Batch {
  CSR adj;          ///< bipartite: batch_size rows x n_id.numel() columns
  at::Tensor x;     ///< features of n_id when the loader was given features and gathers them
  at::Tensor n_id;  ///< int64 global node ids, in-batch nodes first, then the halo
  int64_t batch_size = 0;
  at::Tensor offset;           ///< int64 first node of each part (global numbering)
  at::Tensor count;            ///< int64 node count of each part
  std::vector<int64_t> parts;  ///< the part ids, ascending

  int64_t num_halo() const { return n_id.numel() - batch_size; }
  /// Bytes held by the adjacency, features and ids.
  int64_t nbytes() const;
  /// The halo's global ids (n_id[batch_size:]).
  at::Tensor halo() const { return n_id.narrow(0, batch_size, num_halo()); }
};

/// Builds the batch of the given parts of a partitioned (permuted) graph whose
/// parts are the contiguous ranges [ptr[p], ptr[p+1]) of its rows. The graph
/// is square, or (a rank of a data-parallel job, distributed/shard.h) has a
/// row for each of the first num_rows nodes only, the rest being columns
/// that batches read and never hold; ptr then covers the rows. The halo is every node
/// outside the batch that an in-batch row points to, listed in ascending id
/// order so that history pulls walk memory forwards. `x`, if defined, is
/// gathered for n_id. With `plan` (training batches) the batch's adjacency
/// carries spmm's backward plan (ops/spmm_plan.h): when the graph is
/// symmetric, the batch's in-batch block, a principal block of the graph's,
/// is read as its own transpose and needs no column index; otherwise the plan
/// indexes every column. `symmetry` is the graph's proof; without one,
/// make_batch checks the graph itself, O(nnz log degree) per call (a
/// SubgraphLoader checks once).
GAS_API Batch make_batch(const CSR& adj, const at::Tensor& ptr, std::vector<int64_t> parts, const at::Tensor& x = {},
                 bool plan = true, const ops::SymmetryProof* symmetry = nullptr);

/// Bytes of the node-id -> batch-column indexes that make_batch keeps, one
/// per thread that has built a batch, each as long as the largest graph.
GAS_API int64_t batch_index_nbytes();

struct GAS_API SubgraphLoaderOptions {
  /// Parts per minibatch.
  TORCH_ARG(int64_t, batch_size) = 1;
  /// Reshuffle the parts every epoch.
  TORCH_ARG(bool, shuffle) = true;
  /// Seed of the part shuffle; epoch e uses seed + e.
  TORCH_ARG(uint64_t, seed) = 0;
  /// Background threads building batches ahead of the consumer. 0 builds each
  /// batch on the calling thread when it is requested.
  TORCH_ARG(int64_t, num_workers) = 0;
  /// Batches built ahead per worker.
  TORCH_ARG(int64_t, prefetch) = 2;
  /// Build every batch's structure once, up front, grouping the parts at
  /// random (seeded) into fixed batches whose order is shuffled each epoch;
  /// only the feature rows are gathered per epoch. Unset: precompute when
  /// batch_size == 1, where the groups cannot change anyway.
  TORCH_ARG(gas::optional<bool>, precompute) = gas::nullopt;
  /// Put what a training step moves to the device (dense features, node ids,
  /// part ranges, the adjacency) in pinned host memory, so that copies to a
  /// CUDA device are asynchronous. Needs a LibTorch with a CUDA device.
  TORCH_ARG(bool, pin_memory) = false;
  /// Gather each batch's feature rows into Batch::x. false leaves x
  /// undefined: the model reads the rows batch.n_id of features() itself
  /// (ScalableGNN::forward_rows; train_epoch does so), without the copy for
  /// a model on the CPU whose first layer reads them in place.
  TORCH_ARG(bool, gather_features) = true;
};

/// Training loader: every epoch shuffles the parts and groups them batch_size
/// at a time (the last batch may hold fewer), or, with precompute, shuffles
/// the order of batches grouped once (see SubgraphLoaderOptions::precompute).
///
///   SubgraphLoader loader(adj, partition.ptr, x, SubgraphLoaderOptions().batch_size(10));
///   for (const Batch& batch : loader) { ... }   // one epoch
///
/// Leaving the loop early (e.g. after max_steps batches) stops the workers.
/// An exception raised while building a batch is rethrown to the consumer.
class GAS_API SubgraphLoader {
 public:
  SubgraphLoader(CSR adj, at::Tensor ptr, at::Tensor x = {}, SubgraphLoaderOptions options = {});
  ~SubgraphLoader();
  SubgraphLoader(SubgraphLoader&&) noexcept;
  SubgraphLoader& operator=(SubgraphLoader&&) noexcept;

  /// Batches per epoch.
  int64_t size() const;
  int64_t num_parts() const;
  const SubgraphLoaderOptions& options() const;
  /// The features the loader was given (every node's), undefined without.
  const at::Tensor& features() const;
  /// Epochs started so far.
  int64_t epoch() const;
  /// Whether the graph is symmetric (checked at construction): its batches'
  /// backward passes then need no column index of their in-batch block.
  bool symmetric() const;
  /// Restarts the shuffle sequence from `seed` (epoch 0), e.g. for a new run.
  void reseed(uint64_t seed);
  /// The next begin() starts epoch `epoch` (0-based) of the current seed's
  /// sequence: resuming a run where it stopped.
  void seek(int64_t epoch);

  class Epoch;
  class Iterator {
   public:
    const Batch& operator*() const;
    const Batch* operator->() const { return &**this; }
    Iterator& operator++();
    bool operator!=(const Iterator& other) const;

   private:
    friend class SubgraphLoader;
    std::shared_ptr<Epoch> epoch_;
  };
  /// Starts the next epoch; with `skip`, at its batch `skip` (the batches
  /// before it are not built), as when resuming an interrupted epoch.
  Iterator begin(int64_t skip = 0);
  Iterator end();

 private:
  // 0..count-1 shuffled for `epoch` (when shuffling) and cut into groups of b.
  std::vector<std::vector<int64_t>> shuffled_groups(int64_t count, int64_t b, int64_t epoch) const;

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Evaluation loader for layer-wise inference: groups of batch_size
/// consecutive parts in order, built once and reused by every layer.
class GAS_API EvalSubgraphLoader {
 public:
  EvalSubgraphLoader(const CSR& adj, const at::Tensor& ptr, int64_t batch_size = 1);

  int64_t size() const { return static_cast<int64_t>(batches_.size()); }
  const std::vector<Batch>& batches() const { return batches_; }
  std::vector<Batch>::const_iterator begin() const { return batches_.begin(); }
  std::vector<Batch>::const_iterator end() const { return batches_.end(); }
  /// Largest halo of any batch: the staging size an asynchronous pull needs.
  int64_t max_halo() const;
  /// Nodes whose features and history rows the batches read (the graph's
  /// columns).
  int64_t num_nodes() const { return num_nodes_; }
  /// Nodes the batches compute (the graph's rows): num_nodes(), or on a
  /// rank of a data-parallel job its own nodes, before its halo.
  int64_t num_rows() const { return num_rows_; }
  /// Bytes held by the batches: about one more copy of the graph.
  int64_t nbytes() const;

 private:
  std::vector<Batch> batches_;
  int64_t num_nodes_ = 0, num_rows_ = 0;
};

}  // namespace gas
