#include "ops/dropout_kernel.h"
#include "ops/dropout_matmul_kernel.h"

#include "ops/cpu/isa.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <type_traits>
#include <vector>

namespace gas {
namespace ops {
namespace cpu {
namespace {

// Vectors of floats as wide as the instruction set's registers.
template <typename IsaT>
using Vec = typename VecOf<float, IsaT>::type;
template <typename IsaT>
constexpr int64_t kLanes = VecOf<float, IsaT>::kLanes;
// Columns per pass: 64, in up to kMaxVecs vectors of accumulators per row
// (32 with the baseline's 4-float vectors).
template <typename IsaT>
constexpr int kMaxVecs = std::min<int64_t>(8, 64 / kLanes<IsaT>);
// Rows multiplied together: each row of w is loaded once for R rows, whose
// R x V vectors of accumulators stay in registers: up to 16 of AVX-512's 32
// (8 rows of 4 vectors spilled and ran 16x slower), 12 of the others' 16.
constexpr int64_t kMaxRows = 8;
template <typename IsaT, int V>
constexpr int64_t kRows = std::max<int64_t>(1, std::min<int64_t>(kMaxRows, (IsaT::kRegisters == 32 ? 16 : 12) / V));

// Row `row` of x (k wide), masked and scaled as ops::dropout masks elements
// row * k .. row * k + k - 1 of the flattened x, into buf, and the mask
// into keep when a backward will read it (a byte an element: bit-packing
// the mask did not vectorise and cost twice the hash). The hash is taken chunk by chunk of dropout's
// chunking, so the inner loop vectorises.
GAS_INLINE void mask_row(const float* x, float* buf, uint8_t* keep, int64_t row, int64_t k, uint64_t seed,
                         uint32_t threshold, float scale) {
  int64_t index = row * k;
  const int64_t end = index + k;
  while (index < end) {
    const int64_t chunk = index / kDropoutChunk;
    const int64_t stop = std::min(end, (chunk + 1) * kDropoutChunk);
    const uint32_t key = dropout_key(seed, chunk);
    const uint32_t first = static_cast<uint32_t>(index - chunk * kDropoutChunk);
    const int64_t offset = index - row * k, len = stop - index;
    // (first + t) * G as a 32-bit induction: a 64-bit t narrowed in the loop
    // cost the vector loop a shuffle per lane pair and a multiply.
    uint32_t hashed = first * kDropoutGolden;
    for (int64_t t = 0; t < len; ++t, hashed += kDropoutGolden) {
      const bool kept = mix32(hashed ^ key) >= threshold;
      buf[offset + t] = keep_or_zero(kept, x[offset + t] * scale);
      if (keep != nullptr) keep[offset + t] = kept;  // loop-invariant: unswitched
    }
    index = stop;
  }
}

// A row of x masked by the forward's mask into buf: the backward reads the
// mask instead of hashing again.
GAS_INLINE void unmask_row(const float* x, float* buf, const uint8_t* keep, int64_t k, float scale) {
  for (int64_t t = 0; t < k; ++t) buf[t] = keep_or_zero(keep[t] != 0, x[t] * scale);
}

// Points rows[0..R) at rows r .. r + count - 1 of the gathered x (row i is
// row index[i] of x, or row i without an index), masked into bufs when
// there is a mask (hashed and written to `keep` in the forward, read from
// `keep` in the backward); the missing rows of a last, short block repeat
// the first (their results are dropped).
template <int64_t R, bool kReadMask>
GAS_INLINE void load_rows(const float* x, const int64_t* index, float* bufs, uint8_t* keep, int64_t r,
                          int64_t count, int64_t k, uint64_t seed, uint32_t threshold, float scale,
                          const float* rows[R]) {
  for (int64_t i = 0; i < R; ++i) {
    if (i >= count) {
      rows[i] = rows[0];
      continue;
    }
    const float* row = x + (index != nullptr ? index[r + i] : r + i) * k;
    if (threshold == 0) {
      rows[i] = row;
    } else {
      if constexpr (kReadMask) {
        unmask_row(row, bufs + i * k, keep + (r + i) * k, k, scale);
      } else {
        uint8_t* keep_row = keep != nullptr ? keep + (r + i) * k : nullptr;
        mask_row(row, bufs + i * k, keep_row, r + i, k, seed, threshold, scale);
      }
      rows[i] = bufs + i * k;
    }
  }
}

// A column block of the product: w's columns [col0, col0 + width), padded
// to whole vectors (wpad [k, vecs * lanes], zeros past `width`), the rows
// [r0, r1) of x, masked; the backward's gradient of the output.
struct Block {
  const float* x;
  const int64_t* index;  // the rows of x gathered, or null: all in order
  const float* wpad;  // forward
  float* out;         // forward: [m, n]
  const float* g;     // backward: grad_out [m, n]
  float* gw;          // backward: the gradient's block [k, vecs * lanes], added to
  int64_t n, col0, width, r0, r1, k;
  uint64_t seed;
  uint32_t threshold;
  float scale;
  float* bufs;    // kMaxRows rows of k: the masked rows
  uint8_t* keep;  // [m, k]: the mask, written by the forward (if wanted), read by the backward
};

// out[r0:r1, col0:col0+width] = masked x[r0:r1] times w's block, in V vectors.
template <typename IsaT, int V>
GAS_INLINE void forward_rows(const Block& b) {
  using VecT = Vec<IsaT>;
  constexpr int64_t R = kRows<IsaT, V>, L = kLanes<IsaT>;
  const float* x = b.x;
  const int64_t k = b.k;
  for (int64_t r = b.r0; r < b.r1; r += R) {
    const int64_t count = std::min(R, b.r1 - r);
    const float* rows[R];
    load_rows<R, false>(x, b.index, b.bufs, b.keep, r, count, k, b.seed, b.threshold, b.scale, rows);
    VecT acc[R][V] = {};
    for (int64_t j = 0; j < k; ++j) {
      const VecT* wr = reinterpret_cast<const VecT*>(b.wpad + j * V * L);
      for (int64_t i = 0; i < R; ++i) {
        const float a = rows[i][j];
        for (int v = 0; v < V; ++v) acc[i][v] += a * wr[v];
      }
    }
    for (int64_t i = 0; i < count; ++i) {
      float* dst = b.out + (r + i) * b.n + b.col0;
      for (int v = 0; v < V; ++v)
        for (int64_t l = 0; l < L && v * L + l < b.width; ++l) dst[v * L + l] = acc[i][v][l];
    }
  }
}

// wpad [k, V * lanes] += masked x[r0:r1] transposed, times
// grad_out[r0:r1, col0:col0+width].
template <typename IsaT, int V>
GAS_INLINE void grad_rows(const Block& b) {
  using VecT = Vec<IsaT>;
  constexpr int64_t R = kRows<IsaT, V>, L = kLanes<IsaT>;
  const int64_t k = b.k;
  for (int64_t r = b.r0; r < b.r1; r += R) {
    const int64_t count = std::min(R, b.r1 - r);
    const float* rows[R];
    load_rows<R, true>(b.x, b.index, b.bufs, b.keep, r, count, k, b.seed, b.threshold, b.scale, rows);
    VecT gr[R][V] = {};
    for (int64_t i = 0; i < count; ++i)
      for (int v = 0; v < V; ++v)
        for (int64_t l = 0; l < L && v * L + l < b.width; ++l) gr[i][v][l] = b.g[(r + i) * b.n + b.col0 + v * L + l];
    for (int64_t j = 0; j < k; ++j) {
      VecT* dst = reinterpret_cast<VecT*>(b.gw + j * V * L);
      for (int v = 0; v < V; ++v) {
        VecT s = dst[v];
        for (int64_t i = 0; i < R; ++i) s += rows[i][j] * gr[i][v];
        dst[v] = s;
      }
    }
  }
}

// The block's rows through forward_rows (or grad_rows) instantiated for
// its number of vectors, 1 to kMaxVecs. No lambdas: everything here is
// inlined into run_isa's function for the instruction set.
template <typename IsaT, bool kGrad, int V = 1>
GAS_INLINE void block_rows(const Block& b, int64_t vecs) {
  if constexpr (V < kMaxVecs<IsaT>) {
    if (vecs != V) return block_rows<IsaT, kGrad, V + 1>(b, vecs);
  }
  if constexpr (kGrad) {
    grad_rows<IsaT, V>(b);
  } else {
    forward_rows<IsaT, V>(b);
  }
}

// The columns of w in blocks of up to kMaxVecs vectors of the instruction
// set the kernels run with: fn(col0, width, vecs, lanes).
template <typename Fn>
void for_each_column_block(int64_t n, Fn&& fn) {
  int64_t lanes = 0, step = 0;
  run_isa([&](auto isa) GAS_INLINE_LAMBDA {
    lanes = kLanes<decltype(isa)>;
    step = kMaxVecs<decltype(isa)> * lanes;
  });
  for (int64_t col0 = 0; col0 < n; col0 += step) {
    const int64_t width = std::min(step, n - col0);
    fn(col0, width, (width + lanes - 1) / lanes, lanes);
  }
}

// w[:, col0:col0+width] with its rows padded to vecs vectors of `lanes`
// (64-byte aligned: at::empty's CPU blocks are).
at::Tensor padded_block(const at::Tensor& w, int64_t col0, int64_t width, int64_t vecs, int64_t lanes) {
  at::Tensor pad = at::zeros({w.size(0), vecs * lanes}, w.options());
  pad.narrow(1, 0, width).copy_(w.narrow(1, col0, width));
  return pad;
}

constexpr int64_t kRowGrain = 64;

void dropout_matmul_forward(const at::Tensor& x, const at::Tensor& rows, const at::Tensor& w, at::Tensor& out,
                            uint64_t seed, uint32_t threshold, double scale, at::Tensor* for_backward) {
  const int64_t m = out.size(0), k = x.size(1), n = w.size(1);
  const int64_t* index = rows.defined() ? rows.data_ptr<int64_t>() : nullptr;
  // The mask, a byte an element (a quarter of x), for the backward.
  uint8_t* keep = nullptr;
  if (threshold != 0 && for_backward != nullptr) {
    *for_backward = at::empty({m, k}, x.options().dtype(at::kByte));
    keep = for_backward->data_ptr<uint8_t>();
  }
  for_each_column_block(n, [&](int64_t col0, int64_t width, int64_t vecs, int64_t lanes) {
    const at::Tensor wpad = padded_block(w, col0, width, vecs, lanes);
    at::parallel_for(0, m, kRowGrain, [&](int64_t r0, int64_t r1) {
      std::vector<float> bufs(threshold == 0 ? 0 : kMaxRows * k);
      const Block b{x.data_ptr<float>(), index, wpad.data_ptr<float>(), out.data_ptr<float>(), nullptr, nullptr,
                    n, col0, width, r0, r1, k, seed, threshold, float(scale), bufs.data(), keep};
      run_isa([&](auto isa) GAS_INLINE_LAMBDA { block_rows<decltype(isa), false>(b, vecs); });
    });
  });
}

void dropout_matmul_grad_w(const at::Tensor& x, const at::Tensor& rows, const at::Tensor& grad_out,
                           at::Tensor& grad_w, uint64_t seed, uint32_t threshold, double scale,
                           const at::Tensor& from_forward) {
  const int64_t m = grad_out.size(0), k = x.size(1), n = grad_out.size(1);
  const int64_t* index = rows.defined() ? rows.data_ptr<int64_t>() : nullptr;
  TORCH_INTERNAL_ASSERT(threshold == 0 || (from_forward.defined() && from_forward.numel() == m * k),
                        "dropout_matmul_grad_w: the forward's mask is missing");
  uint8_t* keep = threshold != 0 ? from_forward.data_ptr<uint8_t>() : nullptr;
  for_each_column_block(n, [&](int64_t col0, int64_t width, int64_t vecs, int64_t lanes) {
    // One accumulator per thread, summed at the end in thread order: the
    // result does not depend on scheduling for a given thread count.
    std::vector<at::Tensor> partial(at::get_num_threads());
    at::parallel_for(0, m, kRowGrain, [&](int64_t r0, int64_t r1) {
      at::Tensor& acc = partial[at::get_thread_num()];
      if (!acc.defined()) acc = at::zeros({k, vecs * lanes}, x.options());
      std::vector<float> bufs(threshold == 0 ? 0 : kMaxRows * k);
      const Block b{x.data_ptr<float>(), index, nullptr, nullptr, grad_out.data_ptr<float>(), acc.data_ptr<float>(),
                    n, col0, width, r0, r1, k, seed, threshold, float(scale), bufs.data(), keep};
      run_isa([&](auto isa) GAS_INLINE_LAMBDA { block_rows<decltype(isa), true>(b, vecs); });
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
