#pragma once
// Files mapped into memory: the storage of memory-mapped histories and
// features, for data larger than RAM. The page cache is the buffer; this
// process's page tables are kept small by a trimmer (below), so that a
// process walking 40 GiB of mapped data reports a resident set near its own
// allocations, not near the size of the files. Exported by gas_core.

#include <gas/macros.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace gas {
namespace util {

class GAS_API MappedFile {
 public:
  /// Maps an existing file read-only; `what` names it in errors ("features").
  static std::shared_ptr<MappedFile> open_read_only(const std::string& path, const std::string& what);
  /// Creates (or truncates) `path` as `bytes` zero bytes (a sparse file, so
  /// nothing is written yet) and maps it shared and writable. The file is
  /// locked for this process: another process creating it fails, naming the
  /// path. With `keep` false the name is removed at once (the storage lives
  /// as long as the mapping, and a killed process leaves nothing behind).
  static std::shared_ptr<MappedFile> create(const std::string& path, int64_t bytes, bool keep,
                                            const std::string& what);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  char* data() const { return data_; }
  int64_t size() const { return size_; }
  const std::string& path() const { return path_; }
  /// Zeroes [offset, offset + bytes): whole pages are handed back to the file
  /// system (a hole reads as zeros), the ragged ends are cleared.
  void zero(int64_t offset, int64_t bytes);

 private:
  MappedFile(std::string path, int fd, char* data, int64_t size);
  std::string path_;
  int fd_ = -1;
  char* data_ = nullptr;
  int64_t size_ = 0;
};

/// The mapped bytes this process may keep in its page tables: above it, a
/// background thread drops the pages of every live mapping from them
/// (madvise DONTNEED: a shared mapping's written pages stay in the page
/// cache and reach the file, a read-only one's are simply re-read). Default:
/// a quarter of physical memory. 0 turns trimming off.
GAS_API void set_mapped_resident_limit(int64_t bytes);
GAS_API int64_t mapped_resident_limit();
/// Times the trimmer dropped the mappings' pages since the process started.
GAS_API int64_t mapped_trims();

}  // namespace util
}  // namespace gas
