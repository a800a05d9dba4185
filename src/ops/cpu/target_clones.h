#pragma once
// Hot loops are compiled for AVX-512, AVX2 and the baseline; the loader picks
// the best the CPU has, so portable binaries still use wide vectors. Other
// architectures (aarch64) compile the loop once for their baseline.

// ThreadSanitizer instruments the clones' resolvers, which the dynamic loader
// runs before the sanitizer's runtime is up (a crash at load): its builds
// compile the baseline only.
#if defined(__SANITIZE_THREAD__)
#define GAS_TARGET_CLONES
#elif defined(__x86_64__)
#define GAS_TARGET_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define GAS_TARGET_CLONES
#endif

// Helpers of the cloned loops must be inlined into each clone to be compiled
// for its target.
#define GAS_INLINE inline __attribute__((always_inline))
