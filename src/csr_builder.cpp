#include "csr_builder.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <numeric>

namespace gas {
namespace detail {
namespace {

constexpr int64_t kRowGrain = 1024;

void* checked_malloc(int64_t count, size_t item, const std::string& source) {
  void* p = std::malloc(std::max<int64_t>(count, 1) * item);
  TORCH_CHECK(p, source, ": out of memory for ", count, " adjacency entries");
  return p;
}

}  // namespace

CsrBuilder::CsrBuilder(int64_t num_rows, int64_t num_cols, CsrBuilderOptions options, std::string source)
    : rows_(num_rows), cols_(num_cols), options_(options), source_(std::move(source)), start_(num_rows + 1, 0) {
  TORCH_CHECK(num_rows >= 0 && num_cols >= 0, source_, ": negative size ", num_rows, " x ", num_cols);
  TORCH_CHECK(!options.add_reverse || num_rows == num_cols, source_, ": reverse edges need a square matrix, got ",
              num_rows, " x ", num_cols);
}

CsrBuilder::~CsrBuilder() {
  std::free(col_);
  std::free(value_);
}

void CsrBuilder::out_of_range(int64_t row, int64_t col) const {
  const bool bad_row = row < 0 || row >= rows_;
  const char* what = rows_ == cols_ ? "node" : bad_row ? "row" : "column";
  TORCH_CHECK(false, source_, ": edge ", num_edges_, " names ", what, " ", bad_row ? row : col, ", outside [0, ",
              bad_row ? rows_ : cols_, ")");
}

void CsrBuilder::begin_fill() {
  std::partial_sum(start_.begin(), start_.end(), start_.begin());
  cursor_.assign(start_.begin(), start_.end() - 1);
  col_ = static_cast<int64_t*>(checked_malloc(start_[rows_], sizeof(int64_t), source_));
  if (options_.weighted) value_ = static_cast<float*>(checked_malloc(start_[rows_], sizeof(float), source_));
}

CSR CsrBuilder::finish() {
  for (int64_t r = 0; r < rows_; ++r)
    TORCH_CHECK(cursor_[r] == start_[r + 1], source_, ": the edges changed between the two passes");
  // Sort every row and merge duplicates at its front; remember the new lengths.
  std::vector<int64_t> length(rows_, 0);
  at::parallel_for(0, rows_, kRowGrain, [&](int64_t begin, int64_t end) {
    std::vector<std::pair<int64_t, float>> buf;
    for (int64_t r = begin; r < end; ++r) {
      int64_t* c = col_ + start_[r];
      const int64_t len = start_[r + 1] - start_[r];
      int64_t out = 0;
      if (!value_) {
        std::sort(c, c + len);
        for (int64_t i = 0; i < len; ++i)
          if (i == 0 || c[i] != c[out - 1]) c[out++] = c[i];
      } else {
        float* v = value_ + start_[r];
        buf.clear();
        for (int64_t i = 0; i < len; ++i) buf.emplace_back(c[i], v[i]);
        std::stable_sort(buf.begin(), buf.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        for (const auto& [col, w] : buf) {
          if (out > 0 && c[out - 1] == col) {
            v[out - 1] += w;
          } else {
            c[out] = col;
            v[out++] = w;
          }
        }
      }
      length[r] = out;
    }
  });
  // Close the gaps left by merged duplicates (rows only move left), then
  // give the unused tail back to the allocator.
  at::Tensor rowptr = at::empty({rows_ + 1}, at::kLong);
  int64_t* rp = rowptr.data_ptr<int64_t>();
  rp[0] = 0;
  for (int64_t r = 0; r < rows_; ++r) {
    rp[r + 1] = rp[r] + length[r];
    if (rp[r] != start_[r]) {
      std::memmove(col_ + rp[r], col_ + start_[r], length[r] * sizeof(int64_t));
      if (value_) std::memmove(value_ + rp[r], value_ + start_[r], length[r] * sizeof(float));
    }
  }
  const int64_t nnz = rp[rows_];
  auto shrink = [nnz](void* p, size_t item) {
    void* smaller = std::realloc(p, std::max<int64_t>(nnz, 1) * item);
    return smaller ? smaller : p;
  };
  col_ = static_cast<int64_t*>(shrink(col_, sizeof(int64_t)));
  at::Tensor col = at::from_blob(
      col_, {nnz}, [](void* p) { std::free(p); }, at::kLong);
  col_ = nullptr;
  at::Tensor value;
  if (value_) {
    value_ = static_cast<float*>(shrink(value_, sizeof(float)));
    value = at::from_blob(
        value_, {nnz}, [](void* p) { std::free(p); }, at::kFloat);
    value_ = nullptr;
  }
  return CSR{rowptr, col, value, rows_, cols_};
}

}  // namespace detail
}  // namespace gas
