#pragma once
/// \file
/// Sparse adjacency in CSR form and the graph transforms GAS needs before
/// partitioning: symmetrisation, duplicate removal, self-loops, GCN
/// normalisation and node permutation.

#include <gas/macros.h>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <memory>
#include <string>

namespace gas {

namespace ops {
class SpMMPlan;
}  // namespace ops

/// Compressed sparse rows. Row r holds the columns col[rowptr[r]:rowptr[r+1]]
/// (sorted within the row for graphs built by the functions below; a batch's
/// relabelled rows keep the global order instead). `value` is optional:
/// undefined means every
/// stored entry is 1. Rows and columns may differ in number (a training batch
/// is bipartite: its rows are the in-batch nodes, its columns the in-batch
/// nodes followed by the halo).
///
/// In GNN terms row r aggregates messages from its columns, so for directed
/// graphs this is PyG's `adj_t` (target-major) layout.
struct GAS_API CSR {
  at::Tensor rowptr;  ///< int64 [num_rows + 1]
  at::Tensor col;     ///< int64 [nnz]
  at::Tensor value;   ///< float [nnz] or [nnz, H] (per-head weights); may be undefined
  int64_t num_rows = 0;
  int64_t num_cols = 0;

  /// What spmm's backward pass reuses for this adjacency (ops/spmm_plan.h):
  /// built by the loader for training batches, or by ops::SpMMPlan::make.
  /// Copies share it, to() moves it, with_value() drops a symmetry claim
  /// (which covers values), and no transform carries it over to its output.
  std::shared_ptr<const ops::SpMMPlan> plan;

  int64_t nnz() const { return col.defined() ? col.numel() : 0; }
  bool has_value() const { return value.defined(); }
  /// Bytes held by every tensor, the plan's included.
  int64_t nbytes() const;
  c10::Device device() const { return rowptr.device(); }

  /// Throws c10::Error naming the first violated invariant (shapes, dtypes,
  /// monotone rowptr, columns in range). O(nnz); call at trust boundaries.
  void check() const;

  /// A copy whose tensors live on `device`.
  CSR to(c10::Device device, bool non_blocking = false) const;

  /// A copy with the same structure and another value tensor.
  CSR with_value(at::Tensor new_value) const;

  /// Out-degree of every row (number of stored entries), int64 [num_rows].
  at::Tensor row_degree() const;

  /// A dense [num_rows, num_cols] matrix; for tests and tiny graphs only.
  at::Tensor to_dense() const;
};

/// Builds a CSR from an int64 edge list `edge_index` [2, E] (row = edge_index[0]).
/// Duplicate (row, col) pairs are merged: values are summed when `value` is
/// given, otherwise a single unit entry is kept. Runs in O(E + N) plus a sort
/// of each row, so it scales to graphs with billions of edges' worth of RAM.
GAS_API CSR csr_from_edge_index(const at::Tensor& edge_index, int64_t num_rows, int64_t num_cols, const at::Tensor& value = {});

/// The edge list [2, nnz] of a CSR (row-major order).
GAS_API at::Tensor csr_to_edge_index(const CSR& adj);

/// Merges duplicate entries (values summed, a unit entry kept without values)
/// and sorts every row.
GAS_API CSR coalesce(const CSR& adj);

/// A + A^T with duplicates merged (values of both directions summed when present,
/// as torch_sparse's to_symmetric does; a unit entry otherwise). Square only.
GAS_API CSR to_symmetric(const CSR& adj);

/// Drops the diagonal.
GAS_API CSR remove_self_loops(const CSR& adj);

/// Sets the diagonal to `fill` for every row: existing self-loops are replaced,
/// missing ones inserted (torch_sparse's set_diag). Rectangular adjacencies
/// (rows <= columns, as in a batch whose in-batch nodes come first) get the
/// entries (i, i) of their rows.
GAS_API CSR set_self_loops(const CSR& adj, double fill = 1.0);

/// Adds `fill` on the diagonal: duplicates an existing self-loop's weight into
/// a sum rather than replacing it.
GAS_API CSR add_self_loops(const CSR& adj, double fill = 1.0);

/// Symmetric GCN normalisation D^-1/2 (A + I) D^-1/2 with degrees taken over
/// rows after the self-loops are set (PyG's gcn_norm with add_self_loops=True).
/// Nodes of degree zero get weight zero rather than inf.
GAS_API CSR gcn_norm(const CSR& adj, bool add_loops = true);
/// The transform a model asks of the adjacency before partitioning, by
/// name: "gcn_norm" (gcn_norm), "self_loops" (set_self_loops) or "none".
GAS_API CSR transform_adjacency(const CSR& adj, const std::string& transform);
/// Throws c10::Error unless `transform` is one of transform_adjacency's names.
GAS_API void check_adjacency_transform(const std::string& transform);

/// Whether the leading num_rows x num_rows block equals its transpose,
/// values included (see ops::SymmetryProof). Every entry is looked up
/// in its mirror's row by binary search: O(nnz log degree), parallel, no
/// extra memory. Rows must be column-sorted (as every function here leaves
/// them); unsorted rows answer false.
GAS_API bool is_symmetric(const CSR& adj);

/// The transpose (num_cols x num_rows), values carried along.
GAS_API CSR transpose(const CSR& adj);

/// Reorders nodes: new node i is old node perm[i], for rows and columns alike.
/// Rows stay column-sorted. Square only.
GAS_API CSR permute(const CSR& adj, const at::Tensor& perm);

/// The sub-adjacency of rows `rows` (int64 ids, any order), columns untouched.
GAS_API CSR select_rows(const CSR& adj, const at::Tensor& rows);

/// The subgraph induced by the nodes where `node_mask` (bool [N]) is set:
/// those nodes renumbered 0.. in their current order and the edges between
/// them (with their values), rows sorted as in `adj`.
GAS_API CSR induced_subgraph(const CSR& adj, const at::Tensor& node_mask);

/// Row-normalises features so each row sums to one; all-zero rows stay zero
/// (PyG's NormalizeFeatures).
GAS_API at::Tensor normalize_features(const at::Tensor& x);

/// The inverse of a permutation: inv[perm[i]] = i.
GAS_API at::Tensor invert_permutation(const at::Tensor& perm);

}  // namespace gas
