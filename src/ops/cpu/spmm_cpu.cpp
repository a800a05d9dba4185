#include "ops/spmm_kernel.h"

#include "ops/cpu/isa.h"

#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cstring>

namespace gas {
namespace ops {
namespace cpu {
namespace {

// Rows are independent, so the work splits over rows; the grain keeps a task
// around a few thousand edges even for low-degree graphs.
int64_t row_grain(int64_t num_rows, int64_t nnz, int64_t width) {
  const int64_t avg = std::max<int64_t>(1, nnz / std::max<int64_t>(1, num_rows));
  return std::max<int64_t>(1, 32768 / (avg * std::max<int64_t>(1, width)));
}

// How far ahead neighbour rows are prefetched: enough edges to cover DRAM
// latency at a few nanoseconds per row.
constexpr int64_t kPrefetchDistance = 8;

// A vector of GCC/Clang's vector extensions as wide as the instruction set's
// registers (run_isa), so accumulators stay in registers whatever the
// auto-vectoriser decides: left to itself, GCC unrolled the edge loop of a
// plain array accumulator into scalar code that ran 4x slower than memory.
// A row's block: 64 floats (32 doubles), in kBlockVecs vectors; at most 8, so
// that the baseline's 16 registers hold them.
template <typename T, typename IsaT>
struct Simd {
  typedef typename VecOf<T, IsaT>::type Vec;
  static constexpr int64_t kLanes = VecOf<T, IsaT>::kLanes;
  static constexpr int64_t kBlockVecs = std::min<int64_t>(8, 256 / IsaT::kBytes);
  // By reference: a vector passed by value would have a per-target ABI.
  static GAS_INLINE void add_scaled(Vec& acc, T w, const T* p) {
    Vec v;
    std::memcpy(&v, p, sizeof v);
    acc += w * v;
  }
  static GAS_INLINE void store_scaled(T* p, const Vec& v, T scale) {
    const Vec out = v * scale;
    std::memcpy(p, &out, sizeof out);
  }
};

template <typename scalar_t>
struct SpMMArgs {
  const int64_t* rowptr;
  const int64_t* col;
  const scalar_t* value;  // nullptr: unit weights
  int64_t heads;
  const scalar_t* x;
  scalar_t* out;
  int64_t width;
  bool mean;
  // With kLeading, entries whose column is col_end or beyond are skipped: the
  // leading square block of a symmetric adjacency, read as its own transpose.
  int64_t col_end;
};

template <bool kLeading, typename scalar_t>
GAS_INLINE bool skipped(const SpMMArgs<scalar_t>& a, int64_t e) {
  return kLeading && a.col[e] >= a.col_end;
}

template <bool kLeading, typename scalar_t>
GAS_INLINE void prefetch_row(const SpMMArgs<scalar_t>& a, int64_t e, int64_t end) {
  if (e >= end || skipped<kLeading>(a, e)) return;
  const char* row = reinterpret_cast<const char*>(a.x + a.col[e] * a.width);
  const int64_t bytes = a.width * static_cast<int64_t>(sizeof(scalar_t));
  for (int64_t b = 0; b < bytes; b += 64) __builtin_prefetch(row + b);
}

// o[f0, f0 + kVecs * kLanes) = scale * sum_e w[e] x[col[e], same features],
// the partial sums in kVecs registers across the row's edges. Only a row's
// first block prefetches (whole neighbour rows, edges up to `prefetch_end`);
// later blocks pass 0.
template <typename IsaT, bool kLeading, int64_t kVecs, typename scalar_t>
GAS_INLINE void accumulate_block(const SpMMArgs<scalar_t>& a, int64_t lo, int64_t hi, int64_t f0, int64_t prefetch_end,
                                 scalar_t scale, scalar_t* o) {
  using S = Simd<scalar_t, IsaT>;
  typename S::Vec acc[kVecs] = {};
  for (int64_t e = lo; e < hi; ++e) {
    prefetch_row<kLeading>(a, e + kPrefetchDistance, prefetch_end);
    if (skipped<kLeading>(a, e)) continue;
    const scalar_t* xr = a.x + a.col[e] * a.width + f0;
    const scalar_t w = a.value ? a.value[e] : scalar_t(1);
    for (int64_t v = 0; v < kVecs; ++v) S::add_scaled(acc[v], w, xr + v * S::kLanes);
  }
  for (int64_t v = 0; v < kVecs; ++v) S::store_scaled(o + f0 + v * S::kLanes, acc[v], scale);
}

// Features [f0, f1), fewer than a vector: a local accumulator the compiler
// knows is not aliased by x.
template <typename IsaT, bool kLeading, typename scalar_t>
GAS_INLINE void accumulate_tail(const SpMMArgs<scalar_t>& a, int64_t lo, int64_t hi, int64_t f0, int64_t f1,
                                int64_t prefetch_end, scalar_t scale, scalar_t* o) {
  scalar_t acc[Simd<scalar_t, IsaT>::kLanes] = {};
  for (int64_t e = lo; e < hi; ++e) {
    prefetch_row<kLeading>(a, e + kPrefetchDistance, prefetch_end);
    if (skipped<kLeading>(a, e)) continue;
    const scalar_t* xr = a.x + a.col[e] * a.width + f0;
    const scalar_t w = a.value ? a.value[e] : scalar_t(1);
    for (int64_t f = 0; f < f1 - f0; ++f) acc[f] += w * xr[f];
  }
  for (int64_t f = 0; f < f1 - f0; ++f) o[f0 + f] = acc[f] * scale;
}

// Several heads: features [f0, f1) (at most a block) of the row, head h's
// weight scaling the slice [h * slice, (h + 1) * slice).
template <typename IsaT, bool kLeading, typename scalar_t>
GAS_INLINE void accumulate_heads(const SpMMArgs<scalar_t>& a, int64_t lo, int64_t hi, int64_t f0, int64_t f1,
                                 int64_t prefetch_end, scalar_t scale, scalar_t* o) {
  using S = Simd<scalar_t, IsaT>;
  scalar_t acc[S::kBlockVecs * S::kLanes] = {};
  const int64_t slice = a.width / a.heads, h0 = f0 / slice, h1 = (f1 - 1) / slice + 1;
  for (int64_t e = lo; e < hi; ++e) {
    prefetch_row<kLeading>(a, e + kPrefetchDistance, prefetch_end);
    if (skipped<kLeading>(a, e)) continue;
    const scalar_t* xr = a.x + a.col[e] * a.width;
    const scalar_t* w = a.value + e * a.heads;
    for (int64_t h = h0; h < h1; ++h) {
      const int64_t end = std::min(f1, (h + 1) * slice);
      for (int64_t f = std::max(f0, h * slice); f < end; ++f) acc[f - f0] += w[h] * xr[f];
    }
  }
  for (int64_t f = f0; f < f1; ++f) o[f] = acc[f - f0] * scale;
}

// Rows [begin, end) of several heads, in blocks. A function of its own:
// folded into spmm_rows, it slowed the one-head loop 2.5x.
template <typename IsaT, bool kLeading, typename scalar_t>
GAS_INLINE void spmm_rows_heads(const SpMMArgs<scalar_t>& a, int64_t begin, int64_t end) {
  using S = Simd<scalar_t, IsaT>;
  constexpr int64_t kBlock = S::kBlockVecs * S::kLanes;
  const int64_t last_edge = a.rowptr[end];
  for (int64_t r = begin; r < end; ++r) {
    const int64_t lo = a.rowptr[r], hi = a.rowptr[r + 1];
    const scalar_t scale = a.mean && hi > lo ? scalar_t(1) / scalar_t(hi - lo) : scalar_t(1);
    for (int64_t f0 = 0; f0 < a.width; f0 += kBlock)
      accumulate_heads<IsaT, kLeading>(a, lo, hi, f0, std::min(a.width, f0 + kBlock), f0 == 0 ? last_edge : 0, scale,
                                 a.out + r * a.width);
  }
}

// Rows [begin, end) of one head, in feature blocks (64 floats), then single
// vectors, then a tail.
template <typename IsaT, bool kLeading, typename scalar_t>
GAS_INLINE void spmm_rows(const SpMMArgs<scalar_t>& a, int64_t begin, int64_t end) {
  using S = Simd<scalar_t, IsaT>;
  constexpr int64_t kLanes = S::kLanes, kBlock = S::kBlockVecs * kLanes;
  const int64_t width = a.width;
  const int64_t last_edge = a.rowptr[end];
  for (int64_t r = begin; r < end; ++r) {
    const int64_t lo = a.rowptr[r], hi = a.rowptr[r + 1];
    scalar_t* o = a.out + r * width;
    const scalar_t scale = a.mean && hi > lo ? scalar_t(1) / scalar_t(hi - lo) : scalar_t(1);
    int64_t f0 = 0;
    for (; f0 + kBlock <= width; f0 += kBlock)
      accumulate_block<IsaT, kLeading, S::kBlockVecs>(a, lo, hi, f0, f0 == 0 ? last_edge : 0, scale, o);
    for (; f0 + kLanes <= width; f0 += kLanes)
      accumulate_block<IsaT, kLeading, 1>(a, lo, hi, f0, f0 == 0 ? last_edge : 0, scale, o);
    if (f0 < width) accumulate_tail<IsaT, kLeading>(a, lo, hi, f0, width, f0 == 0 ? last_edge : 0, scale, o);
  }
}

template <bool kLeading, typename scalar_t>
void spmm_kernel(const SpMMArgs<scalar_t>& args, int64_t num_rows) {
  at::parallel_for(0, num_rows, row_grain(num_rows, args.rowptr[num_rows], args.width),
                   [&](int64_t begin, int64_t end) {
                     if (args.heads > 1) {
                       run_isa([&](auto isa) GAS_INLINE_LAMBDA {
                         spmm_rows_heads<decltype(isa), kLeading>(args, begin, end);
                       });
                     } else {
                       run_isa([&](auto isa) GAS_INLINE_LAMBDA {
                         spmm_rows<decltype(isa), kLeading>(args, begin, end);
                       });
                     }
                   });
}

template <typename scalar_t>
void value_backward_kernel(const int64_t* rowptr, const int64_t* col, const scalar_t* x, const scalar_t* g,
                           scalar_t* grad_value, int64_t num_rows, int64_t width, int64_t heads, bool mean) {
  const int64_t slice = width / heads;
  at::parallel_for(0, num_rows, row_grain(num_rows, rowptr[num_rows], width), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t lo = rowptr[r], hi = rowptr[r + 1];
      if (hi == lo) continue;
      const scalar_t scale = mean ? scalar_t(1) / scalar_t(hi - lo) : scalar_t(1);
      const scalar_t* gr = g + r * width;
      for (int64_t e = lo; e < hi; ++e) {
        const scalar_t* xr = x + col[e] * width;
        for (int64_t h = 0; h < heads; ++h) {
          scalar_t acc = 0;
          for (int64_t f = h * slice; f < (h + 1) * slice; ++f) acc += gr[f] * xr[f];
          grad_value[e * heads + h] = acc * scale;
        }
      }
    }
  });
}

template <typename scalar_t>
void extreme_kernel(const int64_t* rowptr, const int64_t* col, const scalar_t* x, scalar_t* out, int64_t* arg,
                    int64_t num_rows, int64_t width, bool max) {
  at::parallel_for(0, num_rows, row_grain(num_rows, rowptr[num_rows], width), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      scalar_t* o = out + r * width;
      int64_t* a = arg + r * width;
      std::fill(a, a + width, int64_t{-1});
      if (rowptr[r] == rowptr[r + 1]) {
        std::fill(o, o + width, scalar_t(0));
        continue;
      }
      const scalar_t* first = x + col[rowptr[r]] * width;
      std::copy(first, first + width, o);
      std::fill(a, a + width, col[rowptr[r]]);
      for (int64_t e = rowptr[r] + 1; e < rowptr[r + 1]; ++e) {
        const scalar_t* xr = x + col[e] * width;
        for (int64_t f = 0; f < width; ++f) {
          const bool better = max ? xr[f] > o[f] : xr[f] < o[f];
          o[f] = better ? xr[f] : o[f];
          a[f] = better ? col[e] : a[f];
        }
      }
    }
  });
}

// The kernels' view of tensors already checked by the front op.
template <typename scalar_t>
SpMMArgs<scalar_t> args_of(const at::Tensor& rowptr, const at::Tensor& col, const at::Tensor& value,
                           const at::Tensor& x, at::Tensor& out, bool mean, int64_t col_end) {
  return {rowptr.data_ptr<int64_t>(),
          col.data_ptr<int64_t>(),
          value.defined() ? value.data_ptr<scalar_t>() : nullptr,
          value.defined() && value.dim() == 2 ? value.size(1) : 1,
          x.data_ptr<scalar_t>(),
          out.data_ptr<scalar_t>(),
          x.size(1),
          mean,
          col_end};
}

void spmm_out(const at::Tensor& rowptr, const at::Tensor& col, const at::Tensor& value, const at::Tensor& x, bool mean,
              at::Tensor& out) {
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "spmm_cpu", [&] {
    spmm_kernel<false>(args_of<scalar_t>(rowptr, col, value, x, out, mean, 0), rowptr.numel() - 1);
  });
}

void spmm_leading_out(const at::Tensor& rowptr, const at::Tensor& col, const at::Tensor& value, const at::Tensor& x,
                      at::Tensor& out) {
  const int64_t num_rows = rowptr.numel() - 1;
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "spmm_leading_cpu", [&] {
    spmm_kernel<true>(args_of<scalar_t>(rowptr, col, value, x, out, false, num_rows), num_rows);
  });
}

at::Tensor spmm_value_backward(const at::Tensor& rowptr, const at::Tensor& col, const at::Tensor& x,
                               const at::Tensor& grad_out, int64_t heads, bool value_is_2d, bool mean) {
  const int64_t num_rows = rowptr.numel() - 1;
  at::Tensor grad_value = at::zeros({col.numel(), heads}, x.options());
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "spmm_value_backward_cpu", [&] {
    value_backward_kernel<scalar_t>(rowptr.data_ptr<int64_t>(), col.data_ptr<int64_t>(), x.data_ptr<scalar_t>(),
                                    grad_out.data_ptr<scalar_t>(), grad_value.data_ptr<scalar_t>(), num_rows, x.size(1),
                                    heads, mean);
  });
  return value_is_2d ? grad_value : grad_value.view({-1});
}

std::pair<at::Tensor, at::Tensor> spmm_extreme(const at::Tensor& rowptr, const at::Tensor& col, const at::Tensor& x,
                                               bool max) {
  const int64_t num_rows = rowptr.numel() - 1, width = x.size(1);
  at::Tensor out = at::empty({num_rows, width}, x.options());
  at::Tensor arg = at::empty({num_rows, width}, x.options().dtype(at::kLong));
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "spmm_extreme_cpu", [&] {
    extreme_kernel<scalar_t>(rowptr.data_ptr<int64_t>(), col.data_ptr<int64_t>(), x.data_ptr<scalar_t>(),
                             out.data_ptr<scalar_t>(), arg.data_ptr<int64_t>(), num_rows, width, max);
  });
  return {out, arg};
}

at::Tensor spmm_extreme_backward(const at::Tensor& arg, const at::Tensor& grad_out, int64_t num_cols) {
  const int64_t num_rows = arg.size(0), width = arg.size(1);
  at::Tensor grad = at::zeros({num_cols, width}, grad_out.options());
  const int64_t* a = arg.data_ptr<int64_t>();
  AT_DISPATCH_FLOATING_TYPES(grad_out.scalar_type(), "spmm_extreme_backward_cpu", [&] {
    const scalar_t* g = grad_out.data_ptr<scalar_t>();
    scalar_t* d = grad.data_ptr<scalar_t>();
    // Several rows may route to the same source row; splitting the feature
    // dimension between threads keeps every write private.
    at::parallel_for(0, width, 16, [&](int64_t f0, int64_t f1) {
      for (int64_t r = 0; r < num_rows; ++r)
        for (int64_t f = f0; f < f1; ++f)
          if (a[r * width + f] >= 0) d[a[r * width + f] * width + f] += g[r * width + f];
    });
  });
  return grad;
}

}  // namespace

GAS_REGISTER_KERNEL(spmm_out, CPU, spmm_out);
GAS_REGISTER_KERNEL(spmm_leading_out, CPU, spmm_leading_out);
GAS_REGISTER_KERNEL(spmm_value_backward, CPU, spmm_value_backward);
GAS_REGISTER_KERNEL(spmm_extreme, CPU, spmm_extreme);
GAS_REGISTER_KERNEL(spmm_extreme_backward, CPU, spmm_extreme_backward);

}  // namespace cpu
}  // namespace ops
}  // namespace gas
