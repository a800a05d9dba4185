#include "ops/dropout_kernel.h"
#include "ops/dropout_matmul_kernel.h"

#include "ops/cpu/target_clones.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <type_traits>
#include <vector>

namespace gas {
namespace ops {
namespace cpu {
namespace {

// Sixteen floats: one AVX-512 register, two AVX2 ones; each target clone
// lowers the vector extension to its own registers.
typedef float Vec __attribute__((vector_size(64)));
constexpr int64_t kLanes = 16;
// Rows multiplied together: each row of w is loaded once for rows_for<V>
// rows, whose accumulators stay in registers (8 x 2 or 4 x 4 of the 32
// AVX-512 ones; 8 rows of 4 vectors spilled and ran 16x slower).
constexpr int64_t kMaxRows = 8;
template <int V>
constexpr int64_t rows_for = V <= 2 ? 8 : 4;
// Columns per pass: up to kMaxVecs vectors of accumulators per row.
constexpr int64_t kMaxVecs = 4;

// Row `row` of x (k wide), masked and scaled as ops::dropout masks elements
// row * k .. row * k + k - 1 of the flattened x, into buf. The hash is taken
// chunk by chunk of dropout's chunking, so the inner loop vectorises.
GAS_INLINE void mask_row(const float* x, float* buf, int64_t row, int64_t k, uint64_t seed, uint32_t threshold,
                         float scale) {
  int64_t index = row * k;
  const int64_t end = index + k;
  while (index < end) {
    const int64_t chunk = index / kDropoutChunk;
    const int64_t stop = std::min(end, (chunk + 1) * kDropoutChunk);
    const uint32_t key = dropout_key(seed, chunk);
    const uint32_t first = static_cast<uint32_t>(index - chunk * kDropoutChunk);
    const int64_t offset = index - row * k, len = stop - index;
    for (int64_t t = 0; t < len; ++t) {
      const uint32_t h = mix32((first + static_cast<uint32_t>(t)) * 0x9E3779B9u ^ key);
      buf[offset + t] = h >= threshold ? x[offset + t] * scale : 0.0f;
    }
    index = stop;
  }
}

// Points rows[0..R) at rows r .. r + count - 1 of x, masked into bufs
// when there is a mask; the missing rows of a last, short block repeat the
// first (their results are dropped).
template <int64_t R>
GAS_INLINE void load_rows(const float* x, float* bufs, int64_t r, int64_t count, int64_t k, uint64_t seed,
                          uint32_t threshold, float scale, const float* rows[R]) {
  for (int64_t i = 0; i < R; ++i) {
    if (i >= count) {
      rows[i] = rows[0];
    } else if (threshold == 0) {
      rows[i] = x + (r + i) * k;
    } else {
      mask_row(x + (r + i) * k, bufs + i * k, r + i, k, seed, threshold, scale);
      rows[i] = bufs + i * k;
    }
  }
}

// out[r0:r1, col0:col0+width] for a column block whose w is padded to V
// vectors a row (wpad [k, V * kLanes], zeros past `width`).
template <int V>
GAS_TARGET_CLONES void forward_rows(const float* x, const float* wpad, float* out, int64_t n, int64_t col0,
                                    int64_t width, int64_t r0, int64_t r1, int64_t k, uint64_t seed, uint32_t threshold,
                                    float scale, float* bufs) {
  constexpr int64_t R = rows_for<V>;
  for (int64_t r = r0; r < r1; r += R) {
    const int64_t count = std::min(R, r1 - r);
    const float* rows[R];
    load_rows<R>(x, bufs, r, count, k, seed, threshold, scale, rows);
    Vec acc[R][V] = {};
    for (int64_t j = 0; j < k; ++j) {
      const Vec* wr = reinterpret_cast<const Vec*>(wpad + j * V * kLanes);
      for (int64_t i = 0; i < R; ++i) {
        const float a = rows[i][j];
        for (int v = 0; v < V; ++v) acc[i][v] += a * wr[v];
      }
    }
    for (int64_t i = 0; i < count; ++i) {
      float* dst = out + (r + i) * n + col0;
      for (int v = 0; v < V; ++v)
        for (int64_t l = 0; l < kLanes && v * kLanes + l < width; ++l) dst[v * kLanes + l] = acc[i][v][l];
    }
  }
}

// gw [k, V * kLanes] += masked rows r0..r1 of x, transposed, times
// grad_out[r0:r1, col0:col0+width].
template <int V>
GAS_TARGET_CLONES void grad_rows(const float* x, const float* g, int64_t n, int64_t col0, int64_t width, float* gw,
                                 int64_t r0, int64_t r1, int64_t k, uint64_t seed, uint32_t threshold, float scale,
                                 float* bufs) {
  constexpr int64_t R = rows_for<V>;
  for (int64_t r = r0; r < r1; r += R) {
    const int64_t count = std::min(R, r1 - r);
    const float* rows[R];
    load_rows<R>(x, bufs, r, count, k, seed, threshold, scale, rows);
    Vec gr[R][V] = {};
    for (int64_t i = 0; i < count; ++i)
      for (int v = 0; v < V; ++v)
        for (int64_t l = 0; l < kLanes && v * kLanes + l < width; ++l)
          gr[i][v][l] = g[(r + i) * n + col0 + v * kLanes + l];
    for (int64_t j = 0; j < k; ++j) {
      Vec* dst = reinterpret_cast<Vec*>(gw + j * V * kLanes);
      for (int v = 0; v < V; ++v) {
        Vec s = dst[v];
        for (int64_t i = 0; i < R; ++i) s += rows[i][j] * gr[i][v];
        dst[v] = s;
      }
    }
  }
}

// The columns of w in blocks of up to kMaxVecs vectors, and the block's
// handler chosen by its number of vectors.
template <typename Fn>
void for_each_column_block(int64_t n, Fn&& fn) {
  for (int64_t col0 = 0; col0 < n; col0 += kMaxVecs * kLanes) {
    const int64_t width = std::min(kMaxVecs * kLanes, n - col0);
    fn(col0, width, (width + kLanes - 1) / kLanes);
  }
}

// w[:, col0:col0+width] with its rows padded to vecs vectors (64-byte
// aligned: at::empty's CPU blocks are).
at::Tensor padded_block(const at::Tensor& w, int64_t col0, int64_t width, int64_t vecs) {
  at::Tensor pad = at::zeros({w.size(0), vecs * kLanes}, w.options());
  pad.narrow(1, 0, width).copy_(w.narrow(1, col0, width));
  return pad;
}

// Calls fn with std::integral_constant<int, vecs> (1 to 4): the kernel's
// instantiation for the block's number of vectors.
template <typename Fn>
void with_vecs(int64_t vecs, Fn&& fn) {
  switch (vecs) {
    case 1:
      return fn(std::integral_constant<int, 1>{});
    case 2:
      return fn(std::integral_constant<int, 2>{});
    case 3:
      return fn(std::integral_constant<int, 3>{});
    default:
      return fn(std::integral_constant<int, 4>{});
  }
}

constexpr int64_t kRowGrain = 64;

void dropout_matmul_forward(const at::Tensor& x, const at::Tensor& w, at::Tensor& out, uint64_t seed,
                            uint32_t threshold, double scale) {
  const int64_t m = x.size(0), k = x.size(1), n = w.size(1);
  const float* xp = x.data_ptr<float>();
  float* op = out.data_ptr<float>();
  for_each_column_block(n, [&](int64_t col0, int64_t width, int64_t vecs) {
    const at::Tensor wpad = padded_block(w, col0, width, vecs);
    const float* wp = wpad.data_ptr<float>();
    at::parallel_for(0, m, kRowGrain, [&](int64_t r0, int64_t r1) {
      std::vector<float> bufs(threshold == 0 ? 0 : kMaxRows * k);
      auto run = [&](auto fn) {
        fn(xp, wp, op, n, col0, width, r0, r1, k, seed, threshold, float(scale), bufs.data());
      };
      with_vecs(vecs, [&](auto v) { run(forward_rows<decltype(v)::value>); });
    });
  });
}

void dropout_matmul_grad_w(const at::Tensor& x, const at::Tensor& grad_out, at::Tensor& grad_w, uint64_t seed,
                           uint32_t threshold, double scale) {
  const int64_t m = x.size(0), k = x.size(1), n = grad_out.size(1);
  const float* xp = x.data_ptr<float>();
  const float* gp = grad_out.data_ptr<float>();
  for_each_column_block(n, [&](int64_t col0, int64_t width, int64_t vecs) {
    // One accumulator per thread, summed at the end in thread order: the
    // result does not depend on scheduling for a given thread count.
    std::vector<at::Tensor> partial(at::get_num_threads());
    at::parallel_for(0, m, kRowGrain, [&](int64_t r0, int64_t r1) {
      at::Tensor& acc = partial[at::get_thread_num()];
      if (!acc.defined()) acc = at::zeros({k, vecs * kLanes}, x.options());
      std::vector<float> bufs(threshold == 0 ? 0 : kMaxRows * k);
      auto run = [&](auto fn) {
        fn(xp, gp, n, col0, width, acc.data_ptr<float>(), r0, r1, k, seed, threshold, float(scale), bufs.data());
      };
      with_vecs(vecs, [&](auto v) { run(grad_rows<decltype(v)::value>); });
    });
    at::Tensor sum = at::zeros({k, width}, x.options());
    for (const at::Tensor& acc : partial)
      if (acc.defined()) sum += acc.narrow(1, 0, width);
    grad_w.narrow(1, col0, width).copy_(sum);
  });
}

}  // namespace

GAS_REGISTER_KERNEL(dropout_matmul_forward, CPU, dropout_matmul_forward);
GAS_REGISTER_KERNEL(dropout_matmul_grad_w, CPU, dropout_matmul_grad_w);

}  // namespace cpu
}  // namespace ops
}  // namespace gas
