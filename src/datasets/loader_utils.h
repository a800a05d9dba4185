#pragma once
// What the raw-format dataset loaders share: turning the torch-free parsers'
// arrays into tensors without copying them, checks whose messages name the
// file, and an adjacency builder that keeps one copy of the edges.

#include <gas/graph.h>

#include "datasets/npy.h"

#include <ATen/ATen.h>

#include <string>
#include <vector>

namespace gas {
namespace loader {

/// `path` when it is a file; otherwise throws "<title>: missing raw file
/// '<path>'; expected <layout>".
std::string require_file(const std::string& path, const std::string& title, const std::string& layout);

/// A tensor that takes over `values` (no copy; freed with the tensor).
template <typename T>
at::Tensor adopt(std::vector<T>&& values, at::IntArrayRef sizes) {
  if (values.empty()) return at::empty(sizes, at::CppTypeToScalarType<T>::value);
  auto* holder = new std::vector<T>(std::move(values));
  return at::from_blob(
      holder->data(), sizes, [holder](void*) { delete holder; }, at::CppTypeToScalarType<T>::value);
}

/// A numpy array as a tensor of its dtype (uint16/32/64, which LibTorch
/// lacks, widen to int64), in C order; takes over the array's buffer when no
/// conversion is needed.
at::Tensor to_tensor(npy::Array&& array, const std::string& source);

/// An .npy file, or a member of an .npz archive, as a tensor.
at::Tensor read_npy(const std::string& path);
at::Tensor read_member(const npy::Npz& npz, const std::string& key);
/// "<archive> (member key.npy)", for messages about a member.
std::string member_name(const npy::Npz& npz, const std::string& key);

/// Checks a scipy CSR matrix (indptr [rows + 1] rising from 0 to nnz,
/// indices [nnz] in [0, cols)), both int64, naming `source` on failure.
void check_csr(const at::Tensor& indptr, const at::Tensor& indices, int64_t rows, int64_t cols,
               const std::string& source);

/// float32 [N, F] from any numeric array; throws naming `source` and `what`
/// for another rank.
at::Tensor float_matrix(const at::Tensor& t, const std::string& source, const std::string& what);
/// int64 from an integer array of rank `dim`; throws for floating-point or
/// boolean data or another rank.
at::Tensor index_array(const at::Tensor& t, int64_t dim, const std::string& source, const std::string& what);

/// bool [n], true at `ids` (PyGAS's index2mask); throws naming `source` for
/// an id outside [0, n).
at::Tensor index_mask(const std::vector<int64_t>& ids, int64_t n, const std::string& source);

/// max + 1 of int64 class ids; throws naming `source` for a negative one.
int64_t count_classes(const at::Tensor& y, const std::string& source);

/// PyGAS's x = (x - x.mean(0)) / x.std(0) (unbiased), in place on float32
/// [N, F], accumulating in double. A constant column, which PyGAS turns into
/// NaN (0 / 0), becomes zeros instead.
void standardize_columns(at::Tensor& x);

struct AdjacencyOptions {
  bool add_reverse = false;  ///< store (col, row) with every (row, col): A + A^T
  bool drop_self_loops = false;
  bool weighted = false;  ///< edges carry weights, summed when duplicates merge
};

/// Builds an N x N CSR from edges delivered twice, once to count and once to
/// fill, straight into the final column array: a graph of E stored entries
/// needs E columns (and weights) plus two counters per node, never a second
/// edge list or an intermediate COO copy. Rows come out sorted with
/// duplicates merged. Use through build_adjacency().
class AdjacencyBuilder {
 public:
  AdjacencyBuilder(int64_t num_nodes, AdjacencyOptions options, std::string source);
  ~AdjacencyBuilder();
  AdjacencyBuilder(const AdjacencyBuilder&) = delete;
  AdjacencyBuilder& operator=(const AdjacencyBuilder&) = delete;

  /// First pass, one call per edge; row is the aggregating node (CSR row).
  void count(int64_t row, int64_t col) {
    if (static_cast<uint64_t>(row) >= static_cast<uint64_t>(n_) ||
        static_cast<uint64_t>(col) >= static_cast<uint64_t>(n_))
      out_of_range(row < 0 || row >= n_ ? row : col);
    ++num_edges_;
    if (row == col) {
      if (!options_.drop_self_loops) ++start_[row + 1];
      return;
    }
    ++start_[row + 1];
    if (options_.add_reverse) ++start_[col + 1];
  }
  /// Allocates the arrays between the passes.
  void begin_fill();
  /// Second pass: the same edges in the same order.
  void fill(int64_t row, int64_t col, float weight) {
    if (row == col) {
      if (!options_.drop_self_loops) put(row, col, weight);
      return;
    }
    put(row, col, weight);
    if (options_.add_reverse) put(col, row, weight);
  }
  CSR finish();

 private:
  [[noreturn]] void out_of_range(int64_t node) const;
  void put(int64_t row, int64_t col, float weight) {
    const int64_t pos = cursor_[row]++;
    col_[pos] = col;
    if (value_) value_[pos] = weight;
  }

  int64_t n_;
  AdjacencyOptions options_;
  std::string source_;
  int64_t num_edges_ = 0;
  std::vector<int64_t> start_;   // row starts before merging; [n + 1]
  std::vector<int64_t> cursor_;  // next free slot of each row during the fill
  int64_t* col_ = nullptr;       // malloc'ed, so the merged array can shrink in place
  float* value_ = nullptr;
};

/// for_each_edge(emit) must call emit(row, col, weight) for every edge, the
/// same way each time it is called (it is called twice).
template <typename ForEachEdge>
CSR build_adjacency(int64_t num_nodes, AdjacencyOptions options, const std::string& source,
                    ForEachEdge&& for_each_edge) {
  AdjacencyBuilder builder(num_nodes, options, source);
  for_each_edge([&](int64_t row, int64_t col, float) { builder.count(row, col); });
  builder.begin_fill();
  for_each_edge([&](int64_t row, int64_t col, float weight) { builder.fill(row, col, weight); });
  return builder.finish();
}

}  // namespace loader
}  // namespace gas
