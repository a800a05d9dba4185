#pragma once
/// \file
/// How the process runs on its host: the BLAS behind LibTorch's dense
/// products, transparent huge pages for large tensors, and the allocator's
/// reuse of freed memory. tune_process() sets all three up in one call.

#include <gas/macros.h>

#include <string>

namespace gas {

/// The BLAS libraries mapped into this process: which OpenBLAS build (OpenMP,
/// pthreads) or the 40x slower reference BLAS LibTorch actually runs on.
GAS_API std::string loaded_blas();

/// The kernel family OpenBLAS chose at load time ("SkylakeX", "Haswell", ...),
/// or "" when the process has no OpenBLAS.
GAS_API std::string openblas_core();

/// The OPENBLAS_CORETYPE to ask for, or "" to leave OpenBLAS's choice alone:
/// a CPU OpenBLAS does not recognise (a virtual machine's unnamed "Intel Xeon
/// Processor", say) gets its pre-AVX kernels ("Prescott"), 5x slower on a
/// 2000 x 2000 GEMM than the AVX-512 ones on the same CPU.
GAS_API std::string openblas_core_override(const std::string& core, bool has_avx512, bool has_avx2);

/// The kernel's transparent-huge-page mode ("always", "madvise", "never"), or
/// "" where the kernel does not say.
GAS_API std::string transparent_huge_pages();

/// The GLIBC_TUNABLES to ask for, or "" to leave the environment alone. In the
/// common "madvise" mode, only memory that asks gets 2 MiB pages; glibc 2.35
/// and later ask for its large blocks when glibc.malloc.hugetlb=1. Random row
/// gathers over 4 KiB pages miss the TLB on almost every row: SpMM over a
/// 1M x 64 input ran at 13 GB/s with them and 25 GB/s with huge pages, and
/// a fresh 256 MB output faulted in 3.6x faster. `current` is the variable as
/// set (nullptr when unset): a choice of the user's is left alone.
GAS_API std::string huge_page_tunables(const char* current, const std::string& thp_mode, const std::string& glibc_version);

/// Whether glibc's large blocks are backed by huge pages in this process.
GAS_API bool malloc_uses_huge_pages();

/// Call first in main(). Restarts the program once with the environment it
/// needs when something is missing and the user set nothing: OPENBLAS_CORETYPE
/// where OpenBLAS picked pre-AVX kernels on a CPU with AVX2 or AVX-512, and
/// GLIBC_TUNABLES for huge pages (both are read only at load time). It says
/// so on stdout. Then it makes glibc reuse freed blocks of up to 32 MiB
/// instead of returning them to the system: a minibatch's tensors are freed
/// and allocated again every step, and fresh pages cost a fault each; with
/// one malloc arena for all threads (the loader's workers allocate what the
/// training thread frees); and keeps larger freed tensor blocks for reuse
/// (install_large_block_cache).
/// Returns once the process is set up (or when a restart failed).
GAS_API void tune_process(char** argv);

}  // namespace gas
