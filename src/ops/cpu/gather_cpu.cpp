#include "ops/gather_kernel.h"

#include <gas/sparse_features.h>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <atomic>
#include <cstring>

namespace gas {
namespace ops {
namespace cpu {
namespace {

// The selected rows of sparse CSR features, as sparse CSR features.
at::Tensor gather_sparse_rows(const at::Tensor& src, const at::Tensor& idx) {
  const at::Tensor crow = src.crow_indices().contiguous(), col = src.col_indices().contiguous();
  const at::Tensor values = src.values().contiguous();
  const int64_t n = idx.numel(), rows = src.size(0);
  const int64_t* cp = crow.data_ptr<int64_t>();
  const int64_t* ix = idx.data_ptr<int64_t>();
  at::Tensor out_crow = at::empty({n + 1}, at::kLong);
  int64_t* oc = out_crow.data_ptr<int64_t>();
  oc[0] = 0;
  for (int64_t i = 0; i < n; ++i) {
    TORCH_CHECK(ix[i] >= 0 && ix[i] < rows, "gather_rows: index ", ix[i], " at position ", i, " outside [0, ", rows,
                ")");
    oc[i + 1] = oc[i] + cp[ix[i] + 1] - cp[ix[i]];
  }
  at::Tensor out_col = at::empty({oc[n]}, at::kLong), out_values = at::empty({oc[n]}, values.options());
  const int64_t* c = col.data_ptr<int64_t>();
  int64_t* dc = out_col.data_ptr<int64_t>();
  const char* v = static_cast<const char*>(values.data_ptr());
  char* dv = static_cast<char*>(out_values.data_ptr());
  const size_t item = values.element_size();
  at::parallel_for(0, n, 1024, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t lo = cp[ix[i]], len = cp[ix[i] + 1] - lo;
      std::memcpy(dc + oc[i], c + lo, len * sizeof(int64_t));
      std::memcpy(dv + oc[i] * item, v + lo * item, len * item);
    }
  });
  return sparse_rows(out_crow, out_col, out_values, {n, src.size(1)});
}


// Row memcpys in parallel.
void gather_rows_out(const at::Tensor& src, const at::Tensor& index, at::Tensor& out) {
  const int64_t n = index.numel(), rows = src.size(0);
  const size_t row_bytes = static_cast<size_t>(src.size(1)) * src.element_size();
  const char* from = static_cast<const char*>(src.data_ptr());
  char* to = static_cast<char*>(out.data_ptr());
  const int64_t* ix = index.data_ptr<int64_t>();
  std::atomic<int64_t> bad{-1};
  // ~64 KiB of rows per task. A caller on a thread whose team is one thread
  // (the history pool's workers) copies on that thread alone.
  const int64_t grain = std::max<int64_t>(1, 65536 / static_cast<int64_t>(std::max<size_t>(row_bytes, 1)));
  at::parallel_for(0, n, grain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t r = ix[i];
      if (r < 0 || r >= rows) {
        bad.store(i);
        return;
      }
      std::memcpy(to + i * row_bytes, from + r * row_bytes, row_bytes);
    }
  });
  TORCH_CHECK(bad.load() < 0, "gather_rows: index ", ix[std::max<int64_t>(bad.load(), 0)], " at position ", bad.load(),
              " outside [0, ", rows, ")");
}

}  // namespace

GAS_REGISTER_KERNEL(gather_rows_out, CPU, gather_rows_out);
GAS_REGISTER_KERNEL(gather_sparse_rows, CPU, gather_sparse_rows);

}  // namespace cpu
}  // namespace ops
}  // namespace gas
