#include <gas/ops/gather.h>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <atomic>
#include <cstring>

namespace gas {
namespace ops {

at::Tensor gather_rows(const at::Tensor& src, const at::Tensor& index) {
  TORCH_CHECK(src.dim() == 2, "gather_rows: src must be 2-D, got ", src.sizes());
  TORCH_CHECK(index.dim() == 1 && index.scalar_type() == at::kLong, "gather_rows: index must be a 1-D int64 tensor");
  if (!src.device().is_cpu() || !index.device().is_cpu()) return src.index_select(0, index.to(src.device()));
  const at::Tensor s = src.contiguous(), idx = index.contiguous();
  const int64_t n = idx.numel(), rows = s.size(0);
  const size_t row_bytes = static_cast<size_t>(s.size(1)) * s.element_size();
  at::Tensor out = at::empty({n, s.size(1)}, s.options());
  const char* from = static_cast<const char*>(s.data_ptr());
  char* to = static_cast<char*>(out.data_ptr());
  const int64_t* ix = idx.data_ptr<int64_t>();
  std::atomic<int64_t> bad{-1};
  // ~64 KiB of rows per task.
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
  return out;
}

}  // namespace ops
}  // namespace gas
