// The finiteness check on CUDA: LibTorch's ops, enqueued on the current
// stream without a host read (the CPU kernel's reason to fuse, the ops'
// dispatch cost against a step's arithmetic, is hidden behind the GPU's
// queue).

#include "ops/all_finite_kernel.h"

#include <ATen/ATen.h>

namespace gas {
namespace ops {
namespace cuda {
namespace {

at::Tensor all_finite(const std::vector<at::Tensor>& tensors) {
  at::Tensor ok = at::isfinite(tensors.front()).all();
  for (size_t i = 1; i < tensors.size(); ++i) ok = ok.logical_and(at::isfinite(tensors[i]).all());
  return ok;
}

}  // namespace

GAS_REGISTER_KERNEL(all_finite, CUDA, all_finite);

}  // namespace cuda
}  // namespace ops
}  // namespace gas
