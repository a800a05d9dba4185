#include <gas/ops/segment_softmax.h>

#include <torch/csrc/autograd/custom_function.h>

#include "ops/segment_softmax_kernel.h"

namespace gas {
namespace ops {

GAS_DEFINE_KERNEL(segment_softmax)
GAS_DEFINE_KERNEL(segment_softmax_backward)

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

class SegmentSoftmaxFunction : public torch::autograd::Function<SegmentSoftmaxFunction> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& src, const at::Tensor& rowptr) {
    const at::Tensor out = GAS_KERNEL(segment_softmax, src.device())(src, rowptr);
    ctx->save_for_backward({out, rowptr});
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor grad_src =
        GAS_KERNEL(segment_softmax_backward, saved[0].device())(saved[0], grad[0].contiguous(), saved[1]);
    return {grad_src, at::Tensor()};
  }
};

}  // namespace

at::Tensor segment_softmax(const at::Tensor& src, const at::Tensor& rowptr) {
  TORCH_CHECK(src.dim() == 1 || src.dim() == 2, "segment_softmax: src must be [nnz] or [nnz, H], got ", src.sizes());
  TORCH_CHECK(at::isFloatingType(src.scalar_type()), "segment_softmax: src must be floating point, got ",
              src.scalar_type());
  TORCH_CHECK(rowptr.dim() == 1 && rowptr.scalar_type() == at::kLong && rowptr.numel() >= 1,
              "segment_softmax: rowptr must be a non-empty int64 vector");
  const at::Tensor src2d = src.dim() == 1 ? src.unsqueeze(1) : src;
  const at::Tensor out = SegmentSoftmaxFunction::apply(src2d.contiguous(), rowptr.contiguous());
  return src.dim() == 1 ? out.squeeze(1) : out;
}

}  // namespace ops
}  // namespace gas
