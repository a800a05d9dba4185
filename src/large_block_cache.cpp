#include <gas/large_block_cache.h>

#include "util/system.h"

#include <c10/core/CPUAllocator.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define GAS_CLANG_SANITIZER 1
#endif
#endif
#ifndef GAS_CLANG_SANITIZER
#define GAS_CLANG_SANITIZER 0
#endif

namespace gas {

struct LargeBlockCache::Block {
  LargeBlockCache* cache;
  c10::DataPtr memory;  // from the base allocator; freed when the block is dropped
  size_t size;
  uint64_t kept_at = 0;
};

LargeBlockCache::LargeBlockCache(c10::Allocator* base, size_t capacity, size_t threshold)
    : base_(base), capacity_(capacity), threshold_(threshold) {
  TORCH_CHECK(base_ != nullptr, "LargeBlockCache: no base allocator");
}

LargeBlockCache::~LargeBlockCache() { clear(); }

#if TORCH_VERSION_MAJOR >= 2
c10::DataPtr LargeBlockCache::allocate(size_t bytes) { return take(bytes); }
#else
c10::DataPtr LargeBlockCache::allocate(size_t bytes) const { return const_cast<LargeBlockCache*>(this)->take(bytes); }
#endif

c10::DataPtr LargeBlockCache::take(size_t bytes) {
  if (bytes < threshold_ || capacity_ == 0) return base_->allocate(bytes);
  Block* block = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // The smallest kept block that fits, if it wastes at most a quarter.
    const auto it = free_.lower_bound(bytes);
    if (it != free_.end() && it->first <= bytes + bytes / 4) {
      block = it->second;
      free_.erase(it);
      stats_.cached_bytes -= static_cast<int64_t>(block->size);
      ++stats_.hits;
    } else {
      ++stats_.misses;
      // Kept blocks and the new one together stay within the capacity: the
      // cache never adds more than `capacity` to what the live tensors hold.
      evict_until(capacity_ > bytes ? capacity_ - bytes : 0);
    }
  }
  if (block == nullptr) block = new Block{this, base_->allocate(bytes), bytes};
  return c10::DataPtr(block->memory.get(), block, &LargeBlockCache::release, c10::Device(c10::kCPU));
}

void LargeBlockCache::release(void* ctx) {
  auto* block = static_cast<Block*>(ctx);
  block->cache->keep(block);
}

void LargeBlockCache::keep(Block* block) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (retained_ == 0 || block->size > capacity_) {
    delete block;
    ++stats_.released;
    return;
  }
  evict_until(capacity_ - block->size);
  block->kept_at = ++clock_;
  free_.emplace(block->size, block);
  stats_.cached_bytes += static_cast<int64_t>(block->size);
}

void LargeBlockCache::evict_until(size_t cached_at_most) {
  while (static_cast<size_t>(stats_.cached_bytes) > cached_at_most) {
    const auto oldest = std::min_element(
        free_.begin(), free_.end(), [](const auto& a, const auto& b) { return a.second->kept_at < b.second->kept_at; });
    stats_.cached_bytes -= static_cast<int64_t>(oldest->second->size);
    delete oldest->second;
    free_.erase(oldest);
    ++stats_.released;
  }
}

LargeBlockCacheStats LargeBlockCache::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

void LargeBlockCache::retain() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++retained_;
}

void LargeBlockCache::unretain() {
  std::lock_guard<std::mutex> lock(mutex_);
  TORCH_CHECK(retained_ > 0, "LargeBlockCache: unretain() without retain()");
  --retained_;
}

void LargeBlockCache::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  evict_until(0);
}

namespace {
std::atomic<LargeBlockCache*> installed{nullptr};
}  // namespace

LargeBlockCache* installed_large_block_cache() { return installed.load(); }

LargeBlockCache* install_large_block_cache(int64_t capacity_bytes) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || GAS_CLANG_SANITIZER
  (void)capacity_bytes;
  return nullptr;
#else
  // Installed once and never destroyed: tensors may outlive main's locals.
  static LargeBlockCache* const once = [&]() -> LargeBlockCache* {
    int64_t capacity = capacity_bytes;
    if (capacity < 0) {
      const char* env = std::getenv("GAS_LARGE_BLOCK_CACHE_MB");
      if (env != nullptr) {
        char* end = nullptr;
        const long long mb = std::strtoll(env, &end, 10);
        TORCH_CHECK(end != env && *end == '\0' && mb >= 0, "GAS_LARGE_BLOCK_CACHE_MB='", env,
                    "': expected a number of MiB >= 0 (0 switches the cache off)");
        capacity = static_cast<int64_t>(mb) << 20;
      } else {
        capacity = std::min<int64_t>(util::physical_memory_bytes() / 8, int64_t{2} << 30);
      }
    }
    if (capacity <= 0) return nullptr;
    auto* cache = new LargeBlockCache(c10::GetCPUAllocator(), static_cast<size_t>(capacity));
    c10::SetCPUAllocator(cache, /*priority=*/1);
    installed = cache;
    return cache;
  }();
  return once;
#endif
}

RetainLargeBlocks::RetainLargeBlocks() : cache_(installed_large_block_cache()) {
  if (cache_) cache_->retain();
}

RetainLargeBlocks::~RetainLargeBlocks() {
  if (cache_) cache_->unretain();
}

}  // namespace gas
