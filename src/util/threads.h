#pragma once
// Threading helpers for background workers that run ATen code.

#include <ATen/Parallel.h>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace gas {
namespace util {

// Background workers run beside the training thread's OpenMP team; teams of
// their own would oversubscribe the cores (an OpenMP team sharing its cores
// with another busy thread stalls at every barrier: 3x slower epochs
// measured on 2 cores), so their ATen calls stay on the worker itself. ATen
// sizes a thread's team lazily on its first parallel call, so trigger that
// first and override it afterwards.
inline void use_one_intraop_thread() {
  at::get_num_threads();
#ifdef _OPENMP
  omp_set_num_threads(1);
#endif
}

}  // namespace util
}  // namespace gas
