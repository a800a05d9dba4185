#include <gas/ops/segment_softmax.h>

#include <torch/csrc/autograd/custom_function.h>

#include "ops/cpu/segment_softmax_cpu.h"
#include "ops/dispatch.h"

namespace gas {
namespace ops {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

class SegmentSoftmaxFunction : public torch::autograd::Function<SegmentSoftmaxFunction> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& src, const at::Tensor& rowptr) {
    at::Tensor out;
    GAS_DISPATCH_DEVICE(src.device(), "segment_softmax", out = cpu::segment_softmax(src, rowptr));
    ctx->save_for_backward({out, rowptr});
    return out;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad) {
    const auto saved = ctx->get_saved_variables();
    at::Tensor grad_src;
    GAS_DISPATCH_DEVICE(saved[0].device(), "segment_softmax backward",
                        grad_src = cpu::segment_softmax_backward(saved[0], grad[0].contiguous(), saved[1]));
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
  TORCH_CHECK(rowptr[-1].item<int64_t>() == src.size(0), "segment_softmax: rowptr ends at ", rowptr[-1].item<int64_t>(),
              ", src has ", src.size(0), " entries");
  const at::Tensor src2d = src.dim() == 1 ? src.unsqueeze(1) : src;
  const at::Tensor out = SegmentSoftmaxFunction::apply(src2d.contiguous(), rowptr.contiguous());
  return src.dim() == 1 ? out.squeeze(1) : out;
}

}  // namespace ops
}  // namespace gas
