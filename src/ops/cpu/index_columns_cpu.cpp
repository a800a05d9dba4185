#include "ops/spmm_plan_kernel.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <utility>
#include <vector>

namespace gas {
namespace ops {
namespace cpu {
namespace {

ColumnIndex index_columns(const at::Tensor& rowptr, const at::Tensor& col, int64_t num_cols, int64_t first_col) {
  const int64_t num_rows = rowptr.numel() - 1, cols = num_cols - first_col;
  const int64_t* rp = rowptr.data_ptr<int64_t>();
  const int64_t* c = col.data_ptr<int64_t>();
  // A counting sort by column, split into row blocks: each block counts its
  // columns, the block offsets come from a prefix over (column, block), and
  // every block scatters its own rows. Blocks go in row order, so every
  // column's rows stay sorted. One block is the serial algorithm.
  const int64_t blocks =
      col.numel() < (int64_t{1} << 16) ? 1 : std::min<int64_t>(at::get_num_threads(), std::max<int64_t>(1, num_rows));
  std::vector<int64_t> counts(static_cast<size_t>(blocks * cols), 0);
  auto block_rows = [&](int64_t b) { return std::make_pair(num_rows * b / blocks, num_rows * (b + 1) / blocks); };
  auto column = [&](int64_t e) { return static_cast<uint64_t>(c[e] - first_col); };  // >= cols: not indexed
  at::parallel_for(0, blocks, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      int64_t* count = counts.data() + b * cols;
      const auto [lo, hi] = block_rows(b);
      for (int64_t e = rp[lo]; e < rp[hi]; ++e)
        if (column(e) < static_cast<uint64_t>(cols)) ++count[column(e)];
    }
  });
  ColumnIndex out;
  out.colptr = at::empty({cols + 1}, at::kLong);
  int64_t* cp = out.colptr.data_ptr<int64_t>();
  int64_t total = 0;
  for (int64_t j = 0; j < cols; ++j) {
    cp[j] = total;
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t k = counts[b * cols + j];
      counts[b * cols + j] = total;  // becomes the block's cursor for column j
      total += k;
    }
  }
  cp[cols] = total;
  out.row = at::empty({total}, at::kLong);
  out.perm = at::empty({total}, at::kLong);
  int64_t* tr = out.row.data_ptr<int64_t>();
  int64_t* tp = out.perm.data_ptr<int64_t>();
  at::parallel_for(0, blocks, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      int64_t* cursor = counts.data() + b * cols;
      const auto [lo, hi] = block_rows(b);
      for (int64_t r = lo; r < hi; ++r) {
        for (int64_t e = rp[r]; e < rp[r + 1]; ++e) {
          if (column(e) >= static_cast<uint64_t>(cols)) continue;
          const int64_t pos = cursor[column(e)]++;
          tr[pos] = r;
          tp[pos] = e;
        }
      }
    }
  });
  return out;
}

}  // namespace

GAS_REGISTER_KERNEL(index_columns, CPU, index_columns);

}  // namespace cpu
}  // namespace ops
}  // namespace gas
