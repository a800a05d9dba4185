#include <gas/blas.h>

#include "util/strings.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <set>
#include <vector>

namespace gas {

std::string loaded_blas() {
  std::ifstream maps("/proc/self/maps");
  std::set<std::string> found;
  std::string line;
  while (std::getline(maps, line)) {
    const size_t slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    const std::string file = path.substr(path.rfind('/') + 1);
    if (file.find("blas") != std::string::npos || file.find("mkl") != std::string::npos) found.insert(path);
  }
  return found.empty() ? "none found" : util::join(std::vector<std::string>(found.begin(), found.end()));
}

std::string openblas_core() {
  // Looked up at run time: gas links LibTorch, not OpenBLAS, and the BLAS
  // behind libblas.so.3 is the system's choice.
  using CoreName = char* (*)();
  const auto get = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  const char* name = get ? get() : nullptr;
  return name ? name : "";
}

std::string openblas_core_override(const std::string& core, bool has_avx512, bool has_avx2) {
  // OpenBLAS's names for kernels older than AVX; its fallback for an
  // unrecognised Intel CPU is Prescott.
  static const std::set<std::string> pre_avx = {"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom"};
  if (!pre_avx.count(core)) return "";
  if (has_avx512) return "SkylakeX";
  if (has_avx2) return "Haswell";
  return "";
}

void ensure_native_blas_kernels(char** argv) {
  if (std::getenv("OPENBLAS_CORETYPE")) return;
  const std::string core = openblas_core();
#if defined(__x86_64__) || defined(__i386__)
  const std::string wanted =
      openblas_core_override(core, __builtin_cpu_supports("avx512f"), __builtin_cpu_supports("avx2"));
#else
  const std::string wanted;
#endif
  if (wanted.empty()) return;
  // On stdout, with the run's log: stderr carries only errors.
  std::cout << "gas: OpenBLAS chose its " << core << " kernels on a CPU with "
            << (wanted == "SkylakeX" ? "AVX-512" : "AVX2") << "; restarting with OPENBLAS_CORETYPE=" << wanted
            << " (set OPENBLAS_CORETYPE yourself to choose)" << std::endl;
  setenv("OPENBLAS_CORETYPE", wanted.c_str(), 1);
  execv("/proc/self/exe", argv);
  std::cerr << "gas: could not restart (" << std::strerror(errno) << "); continuing with " << core << "\n";
}

}  // namespace gas
