#include <gas/ops/all_finite.h>

#include "ops/all_finite_kernel.h"

#include <ATen/ATen.h>

namespace gas {
namespace ops {

GAS_DEFINE_KERNEL(all_finite)

at::Tensor all_finite(const std::vector<at::Tensor>& tensors) {
  std::vector<at::Tensor> floating;
  c10::optional<at::Device> device;
  for (const at::Tensor& t : tensors) {
    if (!t.defined()) continue;
    TORCH_CHECK(!device || t.device() == *device, "ops::all_finite: tensors on ", *device, " and ", t.device());
    device = t.device();
    if (at::isFloatingType(t.scalar_type()) || at::isComplexType(t.scalar_type())) floating.push_back(t);
  }
  TORCH_CHECK(device.has_value(), "ops::all_finite: expected at least one defined tensor");
  if (floating.empty()) return at::ones({}, at::TensorOptions(*device).dtype(at::kBool));
  return GAS_KERNEL(all_finite, *device)(floating);
}

}  // namespace ops
}  // namespace gas
