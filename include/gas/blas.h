#pragma once
/// \file
/// The BLAS LibTorch runs its dense products on, and one fix for it.

#include <string>

namespace gas {

/// The BLAS libraries mapped into this process: which OpenBLAS build (OpenMP,
/// pthreads) or the 40x slower reference BLAS LibTorch actually runs on.
std::string loaded_blas();

/// The kernel family OpenBLAS chose at load time ("SkylakeX", "Haswell", ...),
/// or "" when the process has no OpenBLAS.
std::string openblas_core();

/// The OPENBLAS_CORETYPE to ask for, or "" to leave OpenBLAS's choice alone:
/// a CPU OpenBLAS does not recognise (a virtual machine's unnamed "Intel Xeon
/// Processor", say) gets its pre-AVX kernels ("Prescott"), 5x slower on a
/// 2000 x 2000 GEMM than the AVX-512 ones on the same CPU.
std::string openblas_core_override(const std::string& core, bool has_avx512, bool has_avx2);

/// Call first in main(): when OpenBLAS picked pre-AVX kernels on a CPU with
/// AVX2 or AVX-512 and OPENBLAS_CORETYPE is unset, says so on stdout and
/// re-executes the program with it set (OpenBLAS reads it only when it is
/// loaded). Returns only if nothing needs to change or the re-execution failed.
void ensure_native_blas_kernels(char** argv);

}  // namespace gas
