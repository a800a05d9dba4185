#pragma once
// Hot CPU loops, written once and compiled for each x86 instruction set with
// vectors as wide as its registers; the widest the CPU has runs.
//
// Why not target_clones: a GCC vector wider than the target's registers has
// no machine mode and lives in memory. Clones of one loop over 16-float
// vectors made every accumulator of the AVX2 clone a stack slot: a dense Cora
// epoch ran 6x slower on an AVX2 EPYC than with 8-float vectors there. So a
// kernel writes its loop as a GAS_INLINE template on the instruction set,
// using Isa::kBytes (vector width) and Isa::kRegisters, and calls it through
// run_isa:
//
//   run_isa([&](auto isa) GAS_INLINE_LAMBDA { rows<decltype(isa)>(...); });
//
// run_isa instantiates the loop inside a function compiled for AVX-512,
// AVX2 + FMA or the baseline, and calls the one for this CPU. Everything the
// loop calls must be inlined (GAS_INLINE) to be compiled for its instruction
// set; a lambda or a function that is not would run the baseline's code.
// Header functions stay compiled for the baseline wherever they are used, so
// no wider code leaks into the rest of the library.

#include <gas/macros.h>

#include <cstdint>
#include <cstring>
#include <type_traits>

#define GAS_INLINE inline __attribute__((always_inline))
#define GAS_INLINE_LAMBDA __attribute__((always_inline))

namespace gas {
namespace ops {
namespace cpu {

/// The instruction sets a kernel is compiled for, narrowest first.
enum class Isa { Base, Avx2, Avx512 };

// Each one's vector width in bytes and its number of vector registers.
struct Base {
  static constexpr Isa kIsa = Isa::Base;
  static constexpr int kBytes = 16;  // SSE2 on x86-64, NEON on aarch64
  static constexpr int kRegisters = 16;
};
struct Avx2 {
  static constexpr Isa kIsa = Isa::Avx2;
  static constexpr int kBytes = 32;
  static constexpr int kRegisters = 16;
};
struct Avx512 {
  static constexpr Isa kIsa = Isa::Avx512;
  static constexpr int kBytes = 64;
  static constexpr int kRegisters = 32;
};

/// A vector of T as wide as IsaT's registers (GCC/Clang vector extensions).
template <typename T, typename IsaT>
struct VecOf {
  typedef T type __attribute__((vector_size(IsaT::kBytes)));
  static constexpr int64_t kLanes = IsaT::kBytes / static_cast<int64_t>(sizeof(T));
};

/// v where `keep`, else +0, as a mask over v's bits: GCC turned the ternary
/// `keep ? x * s : 0` into a branch and left dropout's loops scalar.
template <typename T>
GAS_INLINE T keep_or_zero(bool keep, T v) {
  using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  Bits bits;
  std::memcpy(&bits, &v, sizeof v);
  bits &= -static_cast<Bits>(keep);
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

/// The widest instruction set this CPU runs (AVX-512 needs AVX-512F and FMA,
/// AVX2 needs FMA too), or the one set_cpu_isa chose.
GAS_API Isa cpu_isa();
/// Runs the kernels for `isa` from now on, or for the CPU's widest if it has
/// not `isa` (tests and benchmarks compare the variants); returns the one set.
GAS_API Isa set_cpu_isa(Isa isa);
GAS_API const char* to_string(Isa isa);

#if defined(__x86_64__)
template <typename Body>
__attribute__((target("avx512f,fma"))) void run_avx512(const Body& body) {
  body(Avx512{});
}
template <typename Body>
__attribute__((target("avx2,fma"))) void run_avx2(const Body& body) {
  body(Avx2{});
}
#endif
template <typename Body>
void run_base(const Body& body) {
  body(Base{});
}

/// body(Isa{}) compiled for, and run with, cpu_isa()'s instruction set.
template <typename Body>
void run_isa(const Body& body) {
#if defined(__x86_64__)
  switch (cpu_isa()) {
    case Isa::Avx512:
      return run_avx512(body);
    case Isa::Avx2:
      return run_avx2(body);
    case Isa::Base:
      break;
  }
#endif
  run_base(body);
}

}  // namespace cpu
}  // namespace ops
}  // namespace gas
