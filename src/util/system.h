#pragma once
// Small operating-system helpers shared by the library and its executables.

#include <chrono>
#include <cstdint>
#include <string>

namespace gas {
namespace util {

/// strerror(errno) as a string.
std::string errno_message();

/// Peak resident set size of this process, in MiB.
double peak_rss_mb();

/// Directory of the running executable ("" when unknown).
std::string executable_dir();

bool is_directory(const std::string& path);
/// mkdir -p; throws std::runtime_error naming the path that could not be made.
void make_directories(const std::string& path);
bool is_file(const std::string& path);

/// Writes `content` to `path` through a temporary file in the same directory
/// and a rename, so readers never see a partial file and an existing file is
/// replaced only by a complete one. Throws std::runtime_error naming the path.
void write_file_atomic(const std::string& path, const std::string& content);

/// Seconds since an arbitrary start, monotonic.
inline double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace util
}  // namespace gas
