#pragma once
/// \file
/// A node-classification dataset: graph, features, labels and splits.

#include <gas/graph.h>
#include <gas/macros.h>

#include <array>
#include <string>
#include <vector>

namespace gas {

enum class Split { Train, Val, Test };
GAS_API std::string to_string(Split split);

struct GAS_API Dataset {
  std::string name;
  CSR adj;                ///< as loaded: unnormalised, symmetric where the dataset is undirected
  at::Tensor x;           ///< float32 [N, F]
  at::Tensor y;           ///< int64 [N] (single-label) or float32 [N, C] (multi-label, 0/1)
  at::Tensor train_mask;  ///< bool [N], or [N, S] for S alternative splits
  at::Tensor val_mask;
  at::Tensor test_mask;
  int64_t num_classes = 0;
  /// Training sees only the training nodes' graph (PPI): the validation and
  /// test nodes form separate graphs, so a run trains on subgraph(train_mask).
  bool inductive = false;
  /// Where each split's mask came from (a file, or the rule that drew it),
  /// indexed by Split, for messages; empty: the dataset's published split.
  std::array<std::string, 3> mask_sources;

  int64_t num_nodes() const { return x.size(0); }
  int64_t num_features() const { return x.size(1); }
  bool multilabel() const { return y.dim() == 2; }
  /// Alternative splits held by the masks (1 for 1-D masks).
  int64_t num_splits() const;
  /// Bytes held by the features, labels, masks and graph.
  int64_t nbytes() const;
  /// The [N] mask of `split` used by run `run` (column run % num_splits()).
  at::Tensor mask(Split split, int64_t run = 0) const;

  /// The same dataset with nodes reordered: new node i is old node perm[i].
  Dataset permute(const at::Tensor& perm) const;
  /// The subgraph induced by the nodes where `node_mask` (bool [N]) is set:
  /// those nodes renumbered 0.. in their current order, the edges between
  /// them, and every per-node field sliced.
  Dataset subgraph(const at::Tensor& node_mask) const;
  /// Throws c10::Error naming the first inconsistency between the fields.
  void check() const;
  /// Throws c10::Error when a split the runs use has no nodes: the training
  /// split always, validation and test when `evaluated`; names the split,
  /// the mask's column and where the mask came from.
  void check_splits(int64_t runs, bool evaluated = true) const;
  /// Multi-line statistics: nodes, edges, features, classes, split sizes.
  std::string summary() const;
};

/// Seeded random masks with `train_per_class` and `val_per_class` nodes of
/// each class for training and validation and the rest for testing, one
/// column per split (PyGAS's gen_masks).
GAS_API void random_split_masks(Dataset& data, int64_t train_per_class, int64_t val_per_class, int64_t num_splits,
                        uint64_t seed);

}  // namespace gas
