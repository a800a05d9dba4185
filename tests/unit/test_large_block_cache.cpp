// The large-block cache against a counting base allocator: small requests
// pass through, a large block freed while retained is handed out again for a
// request of about its size (and only then), one freed outside a retaining
// scope goes straight back, the kept bytes stay within the capacity (oldest
// released first), and tensors allocated through it hold their data.
#include <gas/large_block_cache.h>

#include <ATen/ATen.h>
#include <c10/core/CPUAllocator.h>
#include <gtest/gtest.h>

#include <cstring>

namespace gas {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

// c10's CPU allocator, counting what it hands out and what comes back.
struct CountingAllocator final : c10::Allocator {
  c10::Allocator* cpu = c10::GetDefaultCPUAllocator();
  int64_t allocations = 0, frees = 0;
  static void count_free(void* ctx);
  struct Ctx {
    CountingAllocator* self;
    c10::DataPtr inner;
  };
#if TORCH_VERSION_MAJOR >= 2
  c10::DataPtr allocate(size_t n) override { return make(n); }
  void copy_data(void* dest, const void* src, size_t count) const override { default_copy_data(dest, src, count); }
#else
  c10::DataPtr allocate(size_t n) const override { return const_cast<CountingAllocator*>(this)->make(n); }
#endif
  c10::DataPtr make(size_t n) {
    ++allocations;
    auto* ctx = new Ctx{this, cpu->allocate(n)};
    return c10::DataPtr(ctx->inner.get(), ctx, &count_free, c10::Device(c10::kCPU));
  }
};
void CountingAllocator::count_free(void* ctx) {
  auto* c = static_cast<Ctx*>(ctx);
  ++c->self->frees;
  delete c;
}

TEST(LargeBlockCache, SmallRequestsPassThroughAndFreedLargeBlocksAreReused) {
  CountingAllocator base;
  LargeBlockCache cache(&base, 100 * kMiB, 16 * kMiB);
  { c10::DataPtr large = cache.allocate(40 * kMiB); }
  EXPECT_EQ(base.frees, 1);  // not retained: straight back
  EXPECT_EQ(cache.stats().cached_bytes, 0);
  cache.retain();
  { c10::DataPtr small = cache.allocate(kMiB); }
  EXPECT_EQ(base.allocations, 2);
  EXPECT_EQ(base.frees, 2);  // below the threshold: never kept
  void* first = nullptr;
  {
    c10::DataPtr a = cache.allocate(40 * kMiB);
    first = a.get();
    std::memset(a.get(), 7, 40 * kMiB);
  }
  EXPECT_EQ(base.frees, 2);  // kept
  EXPECT_EQ(cache.stats().cached_bytes, static_cast<int64_t>(40 * kMiB));
  {
    c10::DataPtr b = cache.allocate(36 * kMiB);  // fits, wastes less than a quarter
    EXPECT_EQ(b.get(), first);
    EXPECT_EQ(cache.stats().cached_bytes, 0);
    c10::DataPtr c = cache.allocate(40 * kMiB);  // the block is taken: a new one
    EXPECT_NE(c.get(), first);
  }
  {
    c10::DataPtr d = cache.allocate(30 * kMiB);  // a 40 MiB block would waste more than a quarter
    EXPECT_EQ(cache.stats().hits, 1);
  }
  cache.unretain();
  const LargeBlockCacheStats s = cache.stats();
  EXPECT_EQ(s.hits, 1);
  EXPECT_EQ(s.misses, 4);
  EXPECT_EQ(base.allocations, 5);
  // 40 + 40 MiB were kept, then 30 MiB more would pass 100 MiB: the oldest 40 went back.
  EXPECT_EQ(s.cached_bytes, static_cast<int64_t>(70 * kMiB));
  EXPECT_EQ(s.released, 2);  // the first block (not retained) and the oldest kept
  EXPECT_EQ(base.frees, 1 + s.released);
  cache.clear();
  EXPECT_EQ(cache.stats().cached_bytes, 0);
  EXPECT_EQ(base.frees, base.allocations);
}

TEST(LargeBlockCache, NeverHoldsMoreThanItsCapacityBesideLiveBlocks) {
  CountingAllocator base;
  LargeBlockCache cache(&base, 64 * kMiB, 32 * kMiB);
  cache.retain();
  { c10::DataPtr a = cache.allocate(40 * kMiB); }
  EXPECT_EQ(cache.stats().cached_bytes, static_cast<int64_t>(40 * kMiB));
  {
    // A miss of 48 MiB: the kept 40 would make 88 > 64, so it goes first.
    c10::DataPtr b = cache.allocate(48 * kMiB);
    EXPECT_EQ(cache.stats().cached_bytes, 0);
    EXPECT_EQ(base.frees, 1);
  }
  EXPECT_EQ(cache.stats().cached_bytes, static_cast<int64_t>(48 * kMiB));
  // Larger than the capacity: the kept 48 MiB make way, and it is not kept itself.
  { c10::DataPtr big = cache.allocate(80 * kMiB); }
  EXPECT_EQ(cache.stats().cached_bytes, 0);
  EXPECT_EQ(base.frees, 3);
  cache.unretain();
  EXPECT_THROW(cache.unretain(), c10::Error);
  cache.clear();
  EXPECT_EQ(base.frees, base.allocations);
}

TEST(LargeBlockCache, TensorsThroughItHoldTheirValues) {
  LargeBlockCache cache(c10::GetDefaultCPUAllocator(), 256 * kMiB, 4 * kMiB);
  cache.retain();
  for (int round = 0; round < 3; ++round) {
    const int64_t n = (2 << 20) - round;  // 8 MiB of floats, a little less each round: the kept block fits
    auto storage = c10::Storage(c10::Storage::use_byte_size_t(), n * sizeof(float), &cache, /*resizable=*/false);
    at::Tensor t = at::empty({0}, at::kFloat).set_(storage, 0, {n}, {1});
    t.fill_(static_cast<float>(round));
    EXPECT_EQ(t.sum().item<double>(), static_cast<double>(round) * n);
  }
  EXPECT_EQ(cache.stats().hits, 2);
  cache.unretain();
}

}  // namespace
}  // namespace gas
