#pragma once
/// \file
/// Datasets stored as numpy files: Amazon and Coauthor (the npz files of
/// Shchur et al.'s gnn-benchmark that PyG downloads) and a user's own graph.

#include <gas/datasets/dataset.h>
#include <gas/macros.h>

#include <torch/arg.h>

namespace gas {

/// Amazon Computers or Photo (`name` "computers" or "photo") from
/// root/Amazon/<Name>/raw/amazon_electronics_<name>.npz.
GAS_API Dataset load_amazon(const std::string& root, const std::string& name);

/// Coauthor CS or Physics (`name` "cs" or "physics") from
/// root/Coauthor/<CS|Physics>/raw/ms_academic_<cs|phy>.npz.
GAS_API Dataset load_coauthor(const std::string& root, const std::string& name);

/// Cora or CiteSeer (`name` "cora" or "citeseer") in gnn-benchmark's own
/// npz form, from root/GNNBenchmark/raw/<name>.npz: the LINQS graphs (not
/// Planetoid's node sets) in the schema and with the processing of Amazon
/// and Coauthor, so that reader can be run on files anyone can download.
GAS_API Dataset load_gnn_benchmark(const std::string& root, const std::string& name);

/// One npz file of gnn-benchmark's schema (adj_indptr / adj_indices /
/// adj_shape, attr_data / attr_indices / attr_indptr / attr_shape, labels),
/// processed as PyG's parse_npz and PyGAS's get_amazon / get_coauthor:
/// dense features with every positive entry set to 1, self-loops removed,
/// edges made undirected (duplicates merged), and 20 seeded random splits of
/// 20 training and 30 validation nodes per class (torch.manual_seed(12345);
/// gen_masks(y, 20, 30, 20)). `title` names the dataset in messages.
GAS_API Dataset read_shchur_npz(const std::string& path, const std::string& title);

struct GAS_API CustomOptions {
  /// Store every edge in both directions (A + A^T; weights of an edge given
  /// both ways are summed, as torch_sparse's to_symmetric does).
  TORCH_ARG(bool, symmetrize) = false;
  /// Features from x.npy memory-mapped read-only instead of read: "true",
  /// "false", or "auto" (mapped when the file is larger than a quarter of
  /// physical memory). Mapped features must be float32 little-endian in C
  /// order; data.npz archives are always read.
  TORCH_ARG(std::string, mmap) = "auto";
};

/// A user's graph in `root`: edge_index.npy (integer, [2, E] source/target
/// rows as in PyG, or [E, 2]; [2, 2] reads as [2, E]), x.npy (numeric
/// [N, F], read as float32), y.npy (integer [N] class ids, or [N, C] 0/1
/// flags for multi-label targets), optional train_mask.npy, val_mask.npy,
/// test_mask.npy (bool [N] or [N, S] for S splits: all three or none),
/// optional edge_weight.npy (numeric [E]); or the same names as the arrays
/// of one root/data.npz. Edges are taken as given (duplicates merged, their
/// weights summed) and stored target-major like PyG's adj_t. Without masks,
/// a fixed random split is made: a permutation seeded with 0 gives the
/// first 60% of nodes for training, the next 20% for validation and the
/// rest for testing.
GAS_API Dataset load_custom(const std::string& root, const CustomOptions& options = CustomOptions());

/// Writes `data` to the directory `dir` in load_custom's format, so that any
/// dataset gas reads (a synthetic graph included) can be handed to another
/// tool, or read back as dataset=custom: edge_index.npy ([2, E], sources in
/// row 0: the columns of adj, targets in row 1: its rows), edge_weight.npy
/// when adj has values, x.npy, y.npy (multi-label flags as int64) and the
/// three masks. The directory appears whole or not at all (written beside
/// it, then renamed); an existing `dir` is refused. Inductive datasets are
/// refused: the format has one graph.
GAS_API void write_custom(const Dataset& data, const std::string& dir);

}  // namespace gas
