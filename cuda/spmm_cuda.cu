// SpMM on CUDA: the kernels of ops/spmm_kernel.h. A warp per row, its lanes
// across the features, so that each neighbour row is read coalesced; rows
// are summed in edge order like the CPU kernels, and extreme ties go to the
// first entry as there, so results match them up to float reassociation
// (none for min and max).

#include "ops/spmm_kernel.h"

#include "common.cuh"

#include <ATen/ATen.h>
#include <ATen/Dispatch.h>

namespace gas {
namespace ops {
namespace cuda {
namespace {

// out[r] = scale(r) * sum_e w[e, head(f)] x[col[e], f]; with `leading`, only
// entries with col < col_end count (the leading square block).
template <typename scalar_t>
__global__ void spmm_kernel(const int64_t* __restrict__ rowptr, const int64_t* __restrict__ col,
                            const scalar_t* __restrict__ value, int64_t heads, const scalar_t* __restrict__ x,
                            scalar_t* __restrict__ out, int64_t rows, int64_t width, bool mean, bool leading,
                            int64_t col_end) {
  const int64_t slice = width / heads;
  for (int64_t r = warp_row(); r < rows; r += warp_row_stride()) {
    const int64_t lo = rowptr[r], hi = rowptr[r + 1];
    const scalar_t scale = mean && hi > lo ? scalar_t(1) / scalar_t(hi - lo) : scalar_t(1);
    for (int64_t f = threadIdx.x; f < width; f += kWarp) {
      scalar_t acc = 0;
      for (int64_t e = lo; e < hi; ++e) {
        const int64_t c = col[e];
        if (leading && c >= col_end) continue;
        const scalar_t w = value == nullptr ? scalar_t(1) : value[e * heads + f / slice];
        acc += w * x[c * width + f];
      }
      out[r * width + f] = acc * scale;
    }
  }
}

template <typename scalar_t>
__global__ void value_backward_kernel(const int64_t* __restrict__ rowptr, const int64_t* __restrict__ col,
                                      const scalar_t* __restrict__ x, const scalar_t* __restrict__ g,
                                      scalar_t* __restrict__ grad_value, int64_t rows, int64_t width, int64_t heads,
                                      bool mean) {
  const int64_t slice = width / heads;
  for (int64_t r = warp_row(); r < rows; r += warp_row_stride()) {
    const int64_t lo = rowptr[r], hi = rowptr[r + 1];
    const scalar_t scale = mean && hi > lo ? scalar_t(1) / scalar_t(hi - lo) : scalar_t(1);
    for (int64_t e = lo; e < hi; ++e) {
      const scalar_t* xr = x + col[e] * width;
      const scalar_t* gr = g + r * width;
      for (int64_t h = 0; h < heads; ++h) {
        scalar_t acc = 0;
        for (int64_t f = h * slice + threadIdx.x; f < (h + 1) * slice; f += kWarp) acc += gr[f] * xr[f];
        acc = warp_sum(acc);
        if (threadIdx.x == 0) grad_value[e * heads + h] = acc * scale;
      }
    }
  }
}

template <typename scalar_t>
__global__ void extreme_kernel(const int64_t* __restrict__ rowptr, const int64_t* __restrict__ col,
                               const scalar_t* __restrict__ x, scalar_t* __restrict__ out, int64_t* __restrict__ arg,
                               int64_t rows, int64_t width, bool max) {
  for (int64_t r = warp_row(); r < rows; r += warp_row_stride()) {
    const int64_t lo = rowptr[r], hi = rowptr[r + 1];
    for (int64_t f = threadIdx.x; f < width; f += kWarp) {
      scalar_t best = 0;
      int64_t from = -1;
      if (hi > lo) {
        from = col[lo];
        best = x[from * width + f];
        for (int64_t e = lo + 1; e < hi; ++e) {
          const scalar_t v = x[col[e] * width + f];
          if (max ? v > best : v < best) {
            best = v;
            from = col[e];
          }
        }
      }
      out[r * width + f] = best;
      arg[r * width + f] = from;
    }
  }
}

template <typename scalar_t>
__global__ void extreme_backward_kernel(const int64_t* __restrict__ arg, const scalar_t* __restrict__ g,
                                        scalar_t* __restrict__ grad, int64_t n, int64_t width) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t from = arg[i];
    if (from >= 0) atomicAdd(grad + from * width + i % width, g[i]);
  }
}

void launch_spmm(const at::Tensor& rowptr, const at::Tensor& col, const at::Tensor& value, const at::Tensor& x,
                 bool mean, at::Tensor& out, bool leading) {
  const int64_t rows = rowptr.numel() - 1;
  if (rows == 0 || x.size(1) == 0) return;
  const c10::cuda::CUDAGuard guard(x.device());
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "spmm_cuda", [&] {
    spmm_kernel<scalar_t><<<warp_rows_grid(rows), warp_rows_block(), 0, current_stream()>>>(
        rowptr.data_ptr<int64_t>(), col.data_ptr<int64_t>(), value.defined() ? value.data_ptr<scalar_t>() : nullptr,
        value.defined() && value.dim() == 2 ? value.size(1) : 1, x.data_ptr<scalar_t>(), out.data_ptr<scalar_t>(),
        rows, x.size(1), mean, leading, rows);
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  });
}

void spmm_out(const at::Tensor& rowptr, const at::Tensor& col, const at::Tensor& value, const at::Tensor& x, bool mean,
              at::Tensor& out) {
  launch_spmm(rowptr, col, value, x, mean, out, /*leading=*/false);
}

void spmm_leading_out(const at::Tensor& rowptr, const at::Tensor& col, const at::Tensor& value, const at::Tensor& x,
                      at::Tensor& out) {
  launch_spmm(rowptr, col, value, x, /*mean=*/false, out, /*leading=*/true);
}

at::Tensor spmm_value_backward(const at::Tensor& rowptr, const at::Tensor& col, const at::Tensor& x,
                               const at::Tensor& grad_out, int64_t heads, bool value_is_2d, bool mean) {
  const int64_t rows = rowptr.numel() - 1;
  at::Tensor grad_value = at::zeros({col.numel(), heads}, x.options());
  if (rows > 0 && col.numel() > 0) {
    const c10::cuda::CUDAGuard guard(x.device());
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "spmm_value_backward_cuda", [&] {
      value_backward_kernel<scalar_t><<<warp_rows_grid(rows), warp_rows_block(), 0, current_stream()>>>(
          rowptr.data_ptr<int64_t>(), col.data_ptr<int64_t>(), x.data_ptr<scalar_t>(), grad_out.data_ptr<scalar_t>(),
          grad_value.data_ptr<scalar_t>(), rows, x.size(1), heads, mean);
      C10_CUDA_KERNEL_LAUNCH_CHECK();
    });
  }
  return value_is_2d ? grad_value : grad_value.view({-1});
}

std::pair<at::Tensor, at::Tensor> spmm_extreme(const at::Tensor& rowptr, const at::Tensor& col, const at::Tensor& x,
                                               bool max) {
  const int64_t rows = rowptr.numel() - 1, width = x.size(1);
  at::Tensor out = at::empty({rows, width}, x.options());
  at::Tensor arg = at::empty({rows, width}, x.options().dtype(at::kLong));
  if (rows > 0 && width > 0) {
    const c10::cuda::CUDAGuard guard(x.device());
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "spmm_extreme_cuda", [&] {
      extreme_kernel<scalar_t><<<warp_rows_grid(rows), warp_rows_block(), 0, current_stream()>>>(
          rowptr.data_ptr<int64_t>(), col.data_ptr<int64_t>(), x.data_ptr<scalar_t>(), out.data_ptr<scalar_t>(),
          arg.data_ptr<int64_t>(), rows, width, max);
      C10_CUDA_KERNEL_LAUNCH_CHECK();
    });
  }
  return {out, arg};
}

at::Tensor spmm_extreme_backward(const at::Tensor& arg, const at::Tensor& grad_out, int64_t num_cols) {
  const int64_t width = arg.size(1), n = arg.numel();
  at::Tensor grad = at::zeros({num_cols, width}, grad_out.options());
  if (n > 0) {
    const c10::cuda::CUDAGuard guard(grad_out.device());
    AT_DISPATCH_FLOATING_TYPES(grad_out.scalar_type(), "spmm_extreme_backward_cuda", [&] {
      extreme_backward_kernel<scalar_t><<<elements_grid(n), kThreads, 0, current_stream()>>>(
          arg.data_ptr<int64_t>(), grad_out.data_ptr<scalar_t>(), grad.data_ptr<scalar_t>(), n, width);
      C10_CUDA_KERNEL_LAUNCH_CHECK();
    });
  }
  return grad;
}

}  // namespace

GAS_REGISTER_KERNEL(spmm_out, CUDA, spmm_out);
GAS_REGISTER_KERNEL(spmm_leading_out, CUDA, spmm_leading_out);
GAS_REGISTER_KERNEL(spmm_value_backward, CUDA, spmm_value_backward);
GAS_REGISTER_KERNEL(spmm_extreme, CUDA, spmm_extreme);
GAS_REGISTER_KERNEL(spmm_extreme_backward, CUDA, spmm_extreme_backward);

}  // namespace cuda
}  // namespace ops
}  // namespace gas
