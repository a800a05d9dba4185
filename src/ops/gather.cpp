#include <gas/ops/gather.h>

#include <gas/sparse_features.h>

#include "ops/gather_kernel.h"

#include <ATen/ATen.h>

namespace gas {
namespace ops {

GAS_DEFINE_KERNEL(gather_rows_out)
GAS_DEFINE_KERNEL(gather_sparse_rows)

at::Tensor gather_rows(const at::Tensor& src, const at::Tensor& index) {
  TORCH_CHECK(src.dim() == 2, "gather_rows: src must be 2-D, got ", src.sizes());
  TORCH_CHECK(index.dim() == 1 && index.scalar_type() == at::kLong, "gather_rows: index must be a 1-D int64 tensor");
  const at::Tensor idx = index.to(src.device()).contiguous();
  if (is_sparse_features(src)) return GAS_KERNEL(gather_sparse_rows, src.device())(src, idx);
  const at::Tensor s = src.contiguous();
  at::Tensor out = at::empty({idx.numel(), s.size(1)}, s.options());
  gather_rows_out(s, idx, out);
  return out;
}

void gather_rows_out(const at::Tensor& src, const at::Tensor& index, at::Tensor& out) {
  TORCH_CHECK(src.dim() == 2 && src.is_contiguous() && index.dim() == 1 && index.scalar_type() == at::kLong &&
                  index.is_contiguous(),
              "gather_rows_out: expected contiguous 2-D src and 1-D int64 index, got ", src.sizes(), " and ",
              index.sizes(), " ", index.scalar_type());
  TORCH_CHECK(out.is_contiguous() && out.scalar_type() == src.scalar_type() && out.dim() == 2 &&
                  out.size(0) == index.numel() && out.size(1) == src.size(1),
              "gather_rows_out: out must be contiguous [", index.numel(), ", ", src.size(1), "] ", src.scalar_type(),
              ", got ", out.sizes(), " ", out.scalar_type());
  TORCH_CHECK(src.device() == index.device() && src.device() == out.device(), "gather_rows_out: src on ",
              src.device(), ", index on ", index.device(), ", out on ", out.device());
  GAS_KERNEL(gather_rows_out, src.device())(src, index, out);
}

}  // namespace ops
}  // namespace gas
