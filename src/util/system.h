#pragma once
// Small operating-system helpers shared by the libraries and the executables,
// exported by gas_core.

#include <gas/macros.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace gas {
namespace util {

/// strerror(errno) as a string.
GAS_API std::string errno_message();

/// Peak resident set size of this process, in MiB, since it started or since
/// the last successful reset_peak_rss().
GAS_API double peak_rss_mb();

/// Restarts the peak RSS from the current RSS (Linux's /proc/self/clear_refs),
/// so that a phase's own peak can be told from that of the set-up before it.
/// False where the system does not allow it.
GAS_API bool reset_peak_rss();

/// Physical memory of this machine, in bytes.
GAS_API int64_t physical_memory_bytes();

/// Directory of the running executable ("" when unknown).
GAS_API std::string executable_dir();

GAS_API bool is_directory(const std::string& path);
/// mkdir -p; throws std::runtime_error naming the path that could not be made.
GAS_API void make_directories(const std::string& path);
GAS_API bool is_file(const std::string& path);

/// Writes `content` to `path` through a temporary file in the same directory
/// and a rename, so readers never see a partial file and an existing file is
/// replaced only by a complete one. Throws std::runtime_error naming the path.
GAS_API void write_file_atomic(const std::string& path, const std::string& content);

/// Creates `dir` if needed and writes, syncs and removes a small file there:
/// an unwritable location fails before any work, naming `what` (the key)
/// and the reason. With `bytes_needed`, also fails when the file system has
/// less free space than that.
GAS_API void probe_writable(const std::string& dir, const std::string& what, int64_t bytes_needed = 0);

/// rename(2): replaces `to` atomically; throws std::runtime_error naming both.
GAS_API void rename_file(const std::string& from, const std::string& to);

/// Moves directory `staging` to `path`, replacing what was there only now:
/// the old one is renamed aside, the new one renamed in, the old removed.
GAS_API void replace_directory(const std::string& staging, const std::string& path);

/// Hands memory that the allocator keeps after frees back to the system
/// (glibc's malloc_trim; nothing elsewhere).
GAS_API void release_free_memory();

/// A TCP port that was free a moment ago on 127.0.0.1, for a job whose
/// processes all run on this machine (gas_launch, tests). Throws
/// std::runtime_error when none can be had.
GAS_API int free_loopback_port();

/// Seconds since an arbitrary start, monotonic.
inline double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace util
}  // namespace gas
