#include "ops/cpu/isa.h"

#include <atomic>

namespace gas {
namespace ops {
namespace cpu {
namespace {

Isa widest() {
#if defined(__x86_64__)
  __builtin_cpu_init();  // may run from a static initialiser, before libgcc's own
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma")) return Isa::Avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::Avx2;
#endif
  return Isa::Base;
}

std::atomic<Isa>& chosen() {
  static std::atomic<Isa> isa{widest()};
  return isa;
}

}  // namespace

Isa cpu_isa() { return chosen().load(std::memory_order_relaxed); }

Isa set_cpu_isa(Isa isa) {
  const Isa best = widest();
  const Isa set = static_cast<int>(isa) <= static_cast<int>(best) ? isa : best;
  chosen().store(set, std::memory_order_relaxed);
  return set;
}

const char* to_string(Isa isa) {
  switch (isa) {
    case Isa::Avx512:
      return "avx512";
    case Isa::Avx2:
      return "avx2";
    case Isa::Base:
      break;
  }
  return "baseline";
}

}  // namespace cpu
}  // namespace ops
}  // namespace gas
