// Row gather on CUDA: the kernels of ops/gather_kernel.h, and the UVA pull
// of cuda/uva.h, which runs the same kernel on rows in pinned host
// memory (mapped into the device's address space) straight into a device
// buffer.

#include "ops/gather_kernel.h"
#include "uva.h"

#include "common.cuh"

#include <gas/sparse_features.h>

#include <ATen/ATen.h>

namespace gas {
namespace ops {
namespace cuda {
namespace {

// out[i] = src[index[i]], rows of `words` words of type Word, a warp per row.
template <typename Word>
__global__ void gather_rows_kernel(const Word* __restrict__ src, const int64_t* __restrict__ index,
                                   Word* __restrict__ out, int64_t n, int64_t words, int64_t rows) {
  for (int64_t i = warp_row(); i < n; i += warp_row_stride()) {
    const int64_t r = index[i];
    CUDA_KERNEL_ASSERT(r >= 0 && r < rows && "gather_rows: index out of range");
    const Word* from = src + r * words;
    Word* to = out + i * words;
    for (int64_t w = threadIdx.x; w < words; w += kWarp) to[w] = from[w];
  }
}

// dst[index[i]] = src[i]: the same, scattering.
template <typename Word>
__global__ void scatter_rows_kernel(const Word* __restrict__ src, const int64_t* __restrict__ index,
                                    Word* __restrict__ dst, int64_t n, int64_t words, int64_t rows) {
  for (int64_t i = warp_row(); i < n; i += warp_row_stride()) {
    const int64_t r = index[i];
    CUDA_KERNEL_ASSERT(r >= 0 && r < rows && "scatter_rows: index out of range");
    for (int64_t w = threadIdx.x; w < words; w += kWarp) dst[r * words + w] = src[i * words + w];
  }
}

template <typename Word>
void launch_words(const void* src, const int64_t* index, void* out, int64_t n, int64_t row_bytes, int64_t rows,
                  cudaStream_t stream) {
  gather_rows_kernel<Word><<<warp_rows_grid(n), warp_rows_block(), 0, stream>>>(
      static_cast<const Word*>(src), index, static_cast<Word*>(out), n, row_bytes / sizeof(Word), rows);
  C10_CUDA_KERNEL_LAUNCH_CHECK();
}

// The widest word that divides the rows and their alignment: 16-byte loads
// move a 256-float row in two instructions per lane.
void launch_gather(const void* src, const int64_t* index, void* out, int64_t n, int64_t row_bytes, int64_t rows,
                   cudaStream_t stream) {
  if (n == 0 || row_bytes == 0) return;
  const auto aligned = [&](size_t a) {
    return row_bytes % a == 0 && reinterpret_cast<uintptr_t>(src) % a == 0 && reinterpret_cast<uintptr_t>(out) % a == 0;
  };
  if (aligned(16))
    launch_words<int4>(src, index, out, n, row_bytes, rows, stream);
  else if (aligned(4))
    launch_words<int>(src, index, out, n, row_bytes, rows, stream);
  else
    launch_words<char>(src, index, out, n, row_bytes, rows, stream);
}

void launch_scatter(const void* src, const int64_t* index, void* dst, int64_t n, int64_t row_bytes, int64_t rows,
                    cudaStream_t stream) {
  if (n == 0 || row_bytes == 0) return;
  const bool wide = row_bytes % 16 == 0 && reinterpret_cast<uintptr_t>(src) % 16 == 0 &&
                    reinterpret_cast<uintptr_t>(dst) % 16 == 0;
  if (wide)
    scatter_rows_kernel<int4><<<warp_rows_grid(n), warp_rows_block(), 0, stream>>>(
        static_cast<const int4*>(src), index, static_cast<int4*>(dst), n, row_bytes / 16, rows);
  else
    scatter_rows_kernel<char><<<warp_rows_grid(n), warp_rows_block(), 0, stream>>>(
        static_cast<const char*>(src), index, static_cast<char*>(dst), n, row_bytes, rows);
  C10_CUDA_KERNEL_LAUNCH_CHECK();
}

void gather_rows_out(const at::Tensor& src, const at::Tensor& index, at::Tensor& out) {
  const c10::cuda::CUDAGuard guard(src.device());
  launch_gather(src.data_ptr(), index.data_ptr<int64_t>(), out.data_ptr(), index.numel(),
                src.size(1) * static_cast<int64_t>(src.element_size()), src.size(0), current_stream());
}

// Sparse CSR features by ATen's ops: the output's size depends on the data,
// so this reads one number back (the loader gathers features on the host;
// this serves features kept on the device).
at::Tensor gather_sparse_rows(const at::Tensor& src, const at::Tensor& idx) {
  const at::Tensor crow = src.crow_indices(), col = src.col_indices(), values = src.values();
  const at::Tensor begin = crow.index_select(0, idx), length = crow.index_select(0, idx + 1) - begin;
  const at::Tensor out_crow = at::cat({at::zeros({1}, crow.options()), length.cumsum(0)});
  const int64_t nnz = out_crow[-1].item<int64_t>();
  // Entry j of output row i comes from begin[i] + (j - out_crow[i]).
  const at::Tensor row_of = at::repeat_interleave(length, nnz);
  const at::Tensor from = at::arange(nnz, crow.options()) - out_crow.index_select(0, row_of) + begin.index_select(0, row_of);
  return sparse_rows(out_crow, col.index_select(0, from), values.index_select(0, from), {idx.numel(), src.size(1)});
}

}  // namespace

GAS_REGISTER_KERNEL(gather_rows_out, CUDA, gather_rows_out);
GAS_REGISTER_KERNEL(gather_sparse_rows, CUDA, gather_sparse_rows);

}  // namespace cuda
}  // namespace ops

namespace cuda {
namespace {

// The device's address of pinned host memory: cudaHostAlloc'd memory maps
// at the same address under unified addressing, registered memory may not.
void* mapped(const at::Tensor& host) {
  void* device_ptr = nullptr;
  C10_CUDA_CHECK(cudaHostGetDevicePointer(&device_ptr, host.data_ptr(), 0));
  return device_ptr;
}

int64_t row_bytes(const at::Tensor& t) { return t.size(1) * static_cast<int64_t>(t.element_size()); }

}  // namespace

void gather_rows_uva(const at::Tensor& host_src, const at::Tensor& index, at::Tensor& out, cudaStream_t stream) {
  TORCH_CHECK(host_src.is_pinned() && host_src.dim() == 2 && host_src.is_contiguous(),
              "gather_rows_uva: src must be a contiguous 2-D tensor in pinned host memory");
  TORCH_CHECK(index.is_cuda() && out.is_cuda() && index.scalar_type() == at::kLong && index.is_contiguous() &&
                  out.is_contiguous() && out.size(0) == index.numel() && out.size(1) == host_src.size(1) &&
                  out.scalar_type() == host_src.scalar_type(),
              "gather_rows_uva: index and out must be contiguous on the device, out [", index.numel(), ", ",
              host_src.size(1), "] ", host_src.scalar_type(), ", got ", out.sizes(), " ", out.scalar_type());
  const c10::cuda::CUDAGuard guard(out.device());
  ops::cuda::launch_gather(mapped(host_src), index.data_ptr<int64_t>(), out.data_ptr(), index.numel(),
                           row_bytes(host_src), host_src.size(0), stream);
}

void scatter_rows_uva(const at::Tensor& rows, const at::Tensor& index, const at::Tensor& host_dst,
                      cudaStream_t stream) {
  TORCH_CHECK(host_dst.is_pinned() && host_dst.dim() == 2 && host_dst.is_contiguous(),
              "scatter_rows_uva: dst must be a contiguous 2-D tensor in pinned host memory");
  TORCH_CHECK(index.is_cuda() && rows.is_cuda() && index.scalar_type() == at::kLong && index.is_contiguous() &&
                  rows.is_contiguous() && rows.dim() == 2 && rows.size(0) == index.numel() &&
                  rows.size(1) == host_dst.size(1) && rows.scalar_type() == host_dst.scalar_type(),
              "scatter_rows_uva: index and rows must be contiguous on the device, rows [", index.numel(), ", ",
              host_dst.size(1), "] ", host_dst.scalar_type(), ", got ", rows.sizes(), " ", rows.scalar_type());
  const c10::cuda::CUDAGuard guard(rows.device());
  ops::cuda::launch_scatter(rows.data_ptr(), index.data_ptr<int64_t>(), mapped(host_dst), index.numel(),
                            row_bytes(host_dst), host_dst.size(0), stream);
}

}  // namespace cuda
}  // namespace gas
