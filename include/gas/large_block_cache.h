#pragma once
/// \file
/// A cache of large freed CPU tensor blocks, in front of LibTorch's CPU
/// allocator. glibc serves a block of 32 MiB or more (its largest mmap
/// threshold) with a fresh mapping and unmaps it on free, so every full-graph
/// temporary (an N x 64 float tensor of a 1M-node graph is 256 MB) is faulted
/// in again, page by page, each time it is allocated: 57 ms for 256 MB on a
/// quiet machine, and 0.8 to 3.4 s in a virtual machine that hands freed
/// memory back to its host (virtio-balloon free page reporting), where a
/// full-batch evaluation took anywhere from 0.3 to 2.4 s. Kept blocks are
/// reused by allocations of about their size, without a fault.
///
/// Only blocks freed inside a RetainLargeBlocks scope are kept: the passes
/// over the whole graph (full-batch and layer-wise inference) open one, so
/// each pass finds the previous one's temporaries. Blocks freed elsewhere
/// (a dataset's copies while it is prepared, say, never needed again) go
/// back to the system at once, as without the cache: kept, they added
/// 1.2 GB to the peak RSS of GCN on a 1M-node graph.

#include <gas/macros.h>

#include <c10/core/Allocator.h>
#include <torch/version.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>

namespace gas {

struct LargeBlockCacheStats {
  int64_t hits = 0;          ///< large allocations served from the cache
  int64_t misses = 0;        ///< large allocations that had to map a new block
  int64_t released = 0;      ///< large blocks returned to the system: freed outside a retaining scope, larger
                             ///< than the capacity, or the oldest kept when the capacity ran out
  int64_t cached_bytes = 0;  ///< bytes in freed blocks kept for reuse now
};

/// A c10::Allocator: requests below `threshold` bytes go to `base`
/// unchanged; larger ones reuse a kept block of at least their size and at
/// most a quarter more, or get a new one from `base`. A large block freed
/// while some thread retains (retain()/unretain(), or RetainLargeBlocks) is
/// kept; the oldest kept blocks are released once the kept bytes would pass
/// `capacity` (so the process holds at most `capacity` bytes more than its
/// live tensors). Thread-safe.
class GAS_API LargeBlockCache final : public c10::Allocator {
 public:
  LargeBlockCache(c10::Allocator* base, size_t capacity, size_t threshold = size_t{32} << 20);
  ~LargeBlockCache() override;

#if TORCH_VERSION_MAJOR >= 2
  c10::DataPtr allocate(size_t bytes) override;
  void copy_data(void* dest, const void* src, size_t count) const override { default_copy_data(dest, src, count); }
#else
  c10::DataPtr allocate(size_t bytes) const override;
#endif

  LargeBlockCacheStats stats() const;
  /// Releases every kept block.
  void clear();
  /// While retained (a count: scopes nest and threads may overlap), freed
  /// large blocks are kept; otherwise they are released.
  void retain();
  void unretain();

 private:
  struct Block;
  c10::DataPtr take(size_t bytes);  // allocate's body (const in LibTorch 1.13's interface)
  static void release(void* block);
  void keep(Block* block);
  void evict_until(size_t cached_at_most);  // holds mutex_

  c10::Allocator* base_;
  size_t capacity_, threshold_;
  mutable std::mutex mutex_;
  std::multimap<size_t, Block*> free_;  // by size
  uint64_t clock_ = 0;                  // age of kept blocks, for eviction
  int64_t retained_ = 0;
  LargeBlockCacheStats stats_;
};

/// Installs a LargeBlockCache in front of LibTorch's CPU allocator for the
/// rest of the process (tune_process calls it). `capacity_bytes` < 0: the
/// GAS_LARGE_BLOCK_CACHE_MB environment variable, else an eighth of physical
/// memory up to 2 GiB; 0 installs nothing. Sanitizer builds install nothing
/// either: a kept block would hide a use after free from AddressSanitizer.
/// Returns the installed cache (nullptr when none); a second call returns
/// the first one's.
GAS_API LargeBlockCache* install_large_block_cache(int64_t capacity_bytes = -1);
/// The cache install_large_block_cache installed, or nullptr.
GAS_API LargeBlockCache* installed_large_block_cache();

/// Keeps the large blocks freed during its lifetime in the installed cache
/// (nothing when none is installed).
class GAS_API RetainLargeBlocks {
 public:
  RetainLargeBlocks();
  ~RetainLargeBlocks();
  RetainLargeBlocks(const RetainLargeBlocks&) = delete;
  RetainLargeBlocks& operator=(const RetainLargeBlocks&) = delete;

 private:
  LargeBlockCache* cache_;
};

}  // namespace gas
