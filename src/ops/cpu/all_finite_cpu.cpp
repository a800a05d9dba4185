#include "ops/all_finite_kernel.h"

#include "ops/cpu/isa.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <atomic>
#include <cstring>
#include <type_traits>

namespace gas {
namespace ops {
namespace cpu {
namespace {

constexpr int64_t kGrain = 65536;

// Whether any of n elements has an all-ones exponent (infinity or NaN):
// an OR over integer bits, which vectorises (a float test would not: a
// reduction over floats may not be reordered).
template <typename T>
GAS_INLINE bool any_nonfinite(const T* x, int64_t n) {
  using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  constexpr Bits kExponent = static_cast<Bits>(sizeof(T) == 4 ? 0x7f800000ull : 0x7ff0000000000000ull);
  Bits bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    Bits bits;
    std::memcpy(&bits, x + i, sizeof bits);
    bad |= static_cast<Bits>((bits & kExponent) == kExponent);
  }
  return bad != 0;
}

at::Tensor all_finite(const std::vector<at::Tensor>& tensors) {
  bool ok = true;
  for (const at::Tensor& t : tensors) {
    if (!ok) break;
    const at::Tensor c = t.contiguous();
    std::atomic<bool> bad{false};
    AT_DISPATCH_FLOATING_TYPES(c.scalar_type(), "all_finite_cpu", [&] {
      const scalar_t* x = c.data_ptr<scalar_t>();
      at::parallel_for(0, c.numel(), kGrain, [&](int64_t begin, int64_t end) {
        bool found = false;
        run_isa([&](auto) GAS_INLINE_LAMBDA { found = any_nonfinite(x + begin, end - begin); });
        if (found) bad.store(true, std::memory_order_relaxed);
      });
    });
    ok = !bad.load();
  }
  return at::scalar_tensor(ok, at::kBool);
}

}  // namespace

GAS_REGISTER_KERNEL(all_finite, CPU, all_finite);

}  // namespace cpu
}  // namespace ops
}  // namespace gas
