#pragma once
/// \file
/// What spmm's backward pass needs beyond the CSR: built once per adjacency
/// (the loader builds one for every training batch, on the host) and reused
/// by every layer's backward pass, so CSR stays a plain sparse matrix.

#include <gas/graph.h>
#include <gas/macros.h>

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>

namespace gas {
namespace ops {

/// The entries of columns [first_col, num_cols) grouped by column: `colptr`
/// [num_cols - first_col + 1] over those columns, and for each entry its
/// `row` and its position `perm` in adj.col, rows ascending within a column.
struct GAS_API ColumnIndex {
  at::Tensor colptr, row, perm;
  bool defined() const { return colptr.defined(); }
  int64_t nbytes() const;
};

/// ColumnIndex of adj's columns [first_col, num_cols), by a stable counting
/// sort (parallel over row blocks). first_col = 0 is the whole transpose;
/// spmm's backward pass indexes only the halo columns of a symmetric batch.
GAS_API ColumnIndex index_columns(const CSR& adj, int64_t first_col = 0);

/// The proof that a graph equals its transpose, values included: the only way
/// to obtain one is check(), which runs is_symmetric(). A batch's in-batch
/// block is a principal block of its graph, so a proof for the graph holds
/// for every batch of it (see make_batch).
class GAS_API SymmetryProof {
 public:
  /// Runs is_symmetric(adj): O(nnz log degree), parallel.
  static SymmetryProof check(const CSR& adj);
  bool symmetric() const { return symmetric_; }

 private:
  explicit SymmetryProof(bool symmetric) : symmetric_(symmetric) {}
  bool symmetric_;
};

/// spmm's plan for one adjacency. An adjacency without a plan is still
/// differentiated exactly; its backward pass indexes every column itself.
class GAS_API SpMMPlan {
 public:
  /// A plan for `adj`: when `leading_block` proves adj's leading num_rows x
  /// num_rows block symmetric, the backward pass reads that block as its own
  /// transpose (a gather like the forward) and only the other columns need a
  /// column index; with `index` that index is built here (all columns
  /// without symmetry, the columns past the block with it), else in the pass.
  static std::shared_ptr<const SpMMPlan> make(const CSR& adj, const SymmetryProof& leading_block, bool index);
  /// The same without a symmetry claim: the column index of every column.
  static std::shared_ptr<const SpMMPlan> make(const CSR& adj);

  bool leading_block_symmetric() const { return symmetric_; }
  /// The first column the backward pass cannot read from the leading block.
  int64_t first_col() const { return first_col_; }
  /// Columns [first_col(), num_cols) grouped by column, or undefined.
  const ColumnIndex& columns() const { return columns_; }
  int64_t nbytes() const { return columns_.nbytes(); }
  /// The plan with its tensors on `device`.
  std::shared_ptr<const SpMMPlan> to(c10::Device device) const;

 private:
  bool symmetric_ = false;
  int64_t first_col_ = 0;
  ColumnIndex columns_;
};

}  // namespace ops
}  // namespace gas
