#pragma once
// The one CSR builder: edges delivered twice, once to count and once to
// fill, straight into the final column array. A graph of E stored entries
// needs E columns (and weights) plus two counters per row, never a second
// edge list or an intermediate COO copy. Rows come out sorted with
// duplicates merged (their weights summed). csr_from_edge_index, to_symmetric
// and every raw-format reader build their adjacency through it.

#include <gas/graph.h>
#include <gas/macros.h>

#include <cstdint>
#include <string>
#include <vector>

namespace gas {
namespace detail {

struct CsrBuilderOptions {
  bool add_reverse = false;  ///< store (col, row) with every (row, col): A + A^T (square only)
  bool drop_self_loops = false;
  bool weighted = false;  ///< edges carry weights, summed when duplicates merge
};

class GAS_API CsrBuilder {
 public:
  /// `source` names the edges in messages (a file, or the calling function).
  CsrBuilder(int64_t num_rows, int64_t num_cols, CsrBuilderOptions options, std::string source);
  ~CsrBuilder();
  CsrBuilder(const CsrBuilder&) = delete;
  CsrBuilder& operator=(const CsrBuilder&) = delete;

  /// First pass, one call per edge; row is the aggregating node (CSR row).
  void count(int64_t row, int64_t col) {
    if (static_cast<uint64_t>(row) >= static_cast<uint64_t>(rows_) ||
        static_cast<uint64_t>(col) >= static_cast<uint64_t>(cols_))
      out_of_range(row, col);
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
  [[noreturn]] void out_of_range(int64_t row, int64_t col) const;
  void put(int64_t row, int64_t col, float weight) {
    const int64_t pos = cursor_[row]++;
    col_[pos] = col;
    if (value_) value_[pos] = weight;
  }

  int64_t rows_, cols_;
  CsrBuilderOptions options_;
  std::string source_;
  int64_t num_edges_ = 0;
  std::vector<int64_t> start_;   // row starts before merging; [rows + 1]
  std::vector<int64_t> cursor_;  // next free slot of each row during the fill
  int64_t* col_ = nullptr;       // malloc'ed, so the merged array can shrink in place
  float* value_ = nullptr;
};

/// for_each_edge(emit) must call emit(row, col, weight) for every edge, the
/// same way each time it is called (it is called twice).
template <typename ForEachEdge>
CSR build_csr(int64_t num_rows, int64_t num_cols, CsrBuilderOptions options, const std::string& source,
              ForEachEdge&& for_each_edge) {
  CsrBuilder builder(num_rows, num_cols, options, source);
  for_each_edge([&](int64_t row, int64_t col, float) { builder.count(row, col); });
  builder.begin_fill();
  for_each_edge([&](int64_t row, int64_t col, float weight) { builder.fill(row, col, weight); });
  return builder.finish();
}

}  // namespace detail
}  // namespace gas
