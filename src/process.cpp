#include <gas/process.h>

#include <gas/large_block_cache.h>

#include "util/strings.h"

#include <dlfcn.h>
#ifdef __GLIBC__
#include <gnu/libc-version.h>
#include <malloc.h>
#endif
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
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

std::string transparent_huge_pages() {
  // The file reads "always [madvise] never": the bracketed word is the mode.
  std::ifstream file("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string line;
  std::getline(file, line);
  const size_t open = line.find('['), close = line.find(']');
  return open == std::string::npos || close == std::string::npos ? "" : line.substr(open + 1, close - open - 1);
}

namespace {

bool glibc_at_least(const std::string& version, int major, int minor) {
  int have_major = 0, have_minor = 0;
  if (std::sscanf(version.c_str(), "%d.%d", &have_major, &have_minor) != 2) return false;
  return have_major > major || (have_major == major && have_minor >= minor);
}

std::string glibc_version() {
#ifdef __GLIBC__
  return gnu_get_libc_version();
#else
  return "";
#endif
}

}  // namespace

std::string huge_page_tunables(const char* current, const std::string& thp_mode, const std::string& glibc_version) {
  // "always" backs every large mapping already; "never" cannot be asked for.
  if (current || thp_mode != "madvise" || !glibc_at_least(glibc_version, 2, 35)) return "";
  return "glibc.malloc.hugetlb=1";
}

bool malloc_uses_huge_pages() {
  const std::string mode = transparent_huge_pages();
  if (mode == "always") return true;
  if (!glibc_at_least(glibc_version(), 2, 35)) return false;
  // GLIBC_TUNABLES is "name=value:name=value"; glibc takes the last setting.
  std::string hugetlb;
  const char* set = std::getenv("GLIBC_TUNABLES");
  std::stringstream tunables(set ? set : "");
  const std::string key = "glibc.malloc.hugetlb=";
  for (std::string item; std::getline(tunables, item, ':');)
    if (item.compare(0, key.size(), key) == 0) hugetlb = item.substr(key.size());
  // 1 asks for transparent huge pages, 2 for the hugetlbfs pool.
  return (hugetlb == "1" && mode == "madvise") || hugetlb == "2";
}

void tune_process(char** argv) {
  std::vector<std::string> changes;
  if (!std::getenv("OPENBLAS_CORETYPE")) {
    const std::string core = openblas_core();
#if defined(__x86_64__) || defined(__i386__)
    const std::string wanted =
        openblas_core_override(core, __builtin_cpu_supports("avx512f"), __builtin_cpu_supports("avx2"));
#else
    const std::string wanted;
#endif
    if (!wanted.empty()) {
      changes.push_back("OPENBLAS_CORETYPE=" + wanted + " (OpenBLAS chose its " + core + " kernels on a CPU with " +
                        (wanted == "SkylakeX" ? "AVX-512" : "AVX2") + ")");
      setenv("OPENBLAS_CORETYPE", wanted.c_str(), 1);
    }
  }
  const std::string tunables = huge_page_tunables(std::getenv("GLIBC_TUNABLES"), transparent_huge_pages(), glibc_version());
  if (!tunables.empty()) {
    changes.push_back("GLIBC_TUNABLES=" + tunables + " (huge pages for large tensors)");
    setenv("GLIBC_TUNABLES", tunables.c_str(), 1);
  }
  if (!changes.empty()) {
    // On stdout, with the run's log: stderr carries only errors.
    std::cout << "gas: restarting with " << util::join(changes) << "; set these variables yourself to choose"
              << std::endl;
    execv("/proc/self/exe", argv);
    std::cerr << "gas: could not restart (" << std::strerror(errno) << "); continuing as started\n";
    // This process was loaded without them: its log must not claim otherwise.
    if (!tunables.empty()) unsetenv("GLIBC_TUNABLES");
  }
#ifdef __GLIBC__
  // 32 MiB is glibc's largest mmap threshold; the trim threshold keeps the
  // heap's top instead of returning it after each batch.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  // One arena for every thread: a batch's tensors are allocated by a loader
  // worker and freed by the training thread, and with an arena per thread
  // each arena fragmented on its own. Over 200 epochs of GCN on synthetic-1m
  // (scripts/soak.sh) the peak resident set crept up 8.3% with them, 3.9%
  // with one, and was 6% lower; the epoch time did not change measurably.
  // (Trimming the heap after every epoch kept it within 2.1%, but cost 10%
  // of the epoch time: the next epoch faulted its pages in again.)
  mallopt(M_ARENA_MAX, 1);
#endif
  // Blocks above that threshold glibc maps afresh each time: kept here.
  install_large_block_cache();
}

}  // namespace gas
