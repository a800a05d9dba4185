// Pinned host memory for histories a CUDA device computes on
// (history/host_memory.h): cudaHostAlloc'd, portable and mapped, so that
// copies from and to it are asynchronous and a UVA kernel reads it in place.
// Exactly the bytes asked for: LibTorch's caching host allocator would round
// a 20 GiB history up to 32 GiB.

#include "history/host_memory.h"

#include <ATen/ATen.h>
#include <c10/cuda/CUDAException.h>
#include <cuda_runtime_api.h>

namespace gas {
namespace ops {
namespace cuda {
namespace {

at::Tensor pinned_zeros(int64_t rows, int64_t width, at::ScalarType dtype) {
  const size_t bytes = static_cast<size_t>(rows) * static_cast<size_t>(width) * c10::elementSize(dtype);
  if (bytes == 0) return at::zeros({rows, width}, at::TensorOptions(dtype));
  void* ptr = nullptr;
  const cudaError_t status = cudaHostAlloc(&ptr, bytes, cudaHostAllocPortable | cudaHostAllocMapped);
  if (status != cudaSuccess) {
    (void)cudaGetLastError();  // clear it: the failure is reported here
    TORCH_CHECK(false, "history: cannot pin ", bytes >> 20, " MiB of host memory for ", rows, " x ", width,
                " rows (", cudaGetErrorString(status), "); use history=device or a smaller graph per process");
  }
  // The deleter runs whenever the last tensor over the memory goes, possibly
  // at exit after the CUDA context: its status cannot be acted on.
  at::Tensor t = at::from_blob(ptr, {rows, width}, [](void* p) { (void)cudaFreeHost(p); }, at::TensorOptions(dtype));
  t.zero_();
  return t;
}

}  // namespace

GAS_REGISTER_KERNEL(host_history_zeros, CUDA, pinned_zeros);

}  // namespace cuda
}  // namespace ops
}  // namespace gas
