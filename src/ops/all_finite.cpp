#include <gas/ops/all_finite.h>

#include "ops/all_finite_kernel.h"

#include <ATen/ATen.h>

namespace gas {
namespace ops {

GAS_DEFINE_KERNEL(all_finite)

at::Tensor all_finite(const std::vector<at::Tensor>& tensors) {
  // float and double run the kernel; half and complex types LibTorch's ops;
  // integers and bools are finite.
  std::vector<at::Tensor> kernel_typed, others;
  c10::optional<at::Device> device;
  for (const at::Tensor& t : tensors) {
    if (!t.defined()) continue;
    TORCH_CHECK(!device || t.device() == *device, "ops::all_finite: tensors on ", *device, " and ", t.device());
    device = t.device();
    if (t.scalar_type() == at::kFloat || t.scalar_type() == at::kDouble) {
      kernel_typed.push_back(t);
    } else if (at::isFloatingType(t.scalar_type()) || at::isComplexType(t.scalar_type())) {
      others.push_back(t);
    }
  }
  TORCH_CHECK(device.has_value(), "ops::all_finite: expected at least one defined tensor");
  at::Tensor ok = kernel_typed.empty() ? at::ones({}, at::TensorOptions(*device).dtype(at::kBool))
                                       : GAS_KERNEL(all_finite, *device)(kernel_typed);
  for (const at::Tensor& t : others) ok = ok.logical_and(at::isfinite(t).all());
  return ok;
}

}  // namespace ops
}  // namespace gas
