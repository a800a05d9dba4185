#include "ops/dropout_kernel.h"

#include "ops/cpu/isa.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include <algorithm>

namespace gas {
namespace ops {
namespace cpu {
namespace {

// The loop vectorises as the instruction set allows (run_isa).
// The index times G is a 32-bit induction: a 64-bit index narrowed in the
// loop cost the vector loop a shuffle per lane pair and a multiply.
template <typename scalar_t>
GAS_INLINE void masked_scale(const scalar_t* in, scalar_t* out, int64_t n, uint32_t key, uint32_t threshold,
                             scalar_t scale) {
  uint32_t hashed = 0;
  for (int64_t i = 0; i < n; ++i, hashed += kDropoutGolden) {
    const uint32_t h = mix32(hashed ^ key);
    out[i] = keep_or_zero(h >= threshold, in[i] * scale);
  }
}

// Chunks in parallel; the hash vectorises within each.
void dropout_mask(const at::Tensor& x, at::Tensor& out, uint64_t seed, uint32_t threshold, double scale) {
  const int64_t n = x.numel();
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "dropout_cpu", [&] {
    const scalar_t* src = x.data_ptr<scalar_t>();
    scalar_t* dst = out.data_ptr<scalar_t>();
    at::parallel_for(0, (n + kDropoutChunk - 1) / kDropoutChunk, 4, [&](int64_t begin, int64_t end) {
      run_isa([&](auto) GAS_INLINE_LAMBDA {
        for (int64_t chunk = begin; chunk < end; ++chunk) {
          const int64_t lo = chunk * kDropoutChunk;
          masked_scale<scalar_t>(src + lo, dst + lo, std::min(kDropoutChunk, n - lo), dropout_key(seed, chunk),
                                 threshold, static_cast<scalar_t>(scale));
        }
      });
    });
  });
}

}  // namespace

GAS_REGISTER_KERNEL(dropout_mask, CPU, dropout_mask);

}  // namespace cpu
}  // namespace ops
}  // namespace gas
