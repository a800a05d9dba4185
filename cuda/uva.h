#pragma once
// UVA transfers: kernels on the device read (and write) history rows in
// pinned host memory directly, with no staging copy.

#include <ATen/core/Tensor.h>
#include <cuda_runtime_api.h>

namespace gas {
namespace cuda {

/// out[i] = host_src[index[i]] on `stream`: host_src a contiguous 2-D tensor
/// in pinned (cudaHostAlloc'd) memory, index and out on the device.
void gather_rows_uva(const at::Tensor& host_src, const at::Tensor& index, at::Tensor& out, cudaStream_t stream);

/// host_dst[index[i]] = rows[i] on `stream`: the push of rows that are not
/// contiguous ranges of the history, written in place over the bus.
void scatter_rows_uva(const at::Tensor& rows, const at::Tensor& index, const at::Tensor& host_dst,
                      cudaStream_t stream);

}  // namespace cuda
}  // namespace gas
