#include <gas/partition_cache.h>

#include "common/test_utils.h"

#include <filesystem>

namespace gas {
namespace {

void expect_same(const Partition& a, const Partition& b) {
  EXPECT_TRUE(at::equal(a.perm, b.perm));
  EXPECT_TRUE(at::equal(a.ptr, b.ptr));
}

const PartitionMethod kMethod = has_metis() ? PartitionMethod::Metis : PartitionMethod::Random;

TEST(PartitionCache, MissThenHit) {
  const std::string dir = testing::temp_dir() + "/processed/gas";
  const CSR adj = testing::random_graph(300, 6, 1);
  const Partition expected = partition_graph(adj, 8, kMethod, 3);
  PartitionCacheInfo info;
  expect_same(cached_partition(adj, 8, kMethod, 3, dir, "my graph", &info), expected);
  EXPECT_FALSE(info.hit);
  EXPECT_EQ(info.note, "no cache file yet");
  EXPECT_EQ(info.path, dir + "/my_graph-" + to_string(kMethod) + "-8parts-seed3.partition");
  EXPECT_TRUE(testing::file_exists(info.path));
  expect_same(cached_partition(adj, 8, kMethod, 3, dir, "my graph", &info), expected);
  EXPECT_TRUE(info.hit);
  EXPECT_EQ(info.note, "");
  // Other settings are other files.
  cached_partition(adj, 8, PartitionMethod::Random, 3, dir, "my graph", &info);
  EXPECT_FALSE(info.hit);
  cached_partition(adj, 4, kMethod, 3, dir, "my graph", &info);
  EXPECT_FALSE(info.hit);
}

TEST(PartitionCache, StaleCacheOfAnotherGraphIsRebuilt) {
  const std::string dir = testing::temp_dir();
  const CSR a = testing::random_graph(300, 6, 1);
  const CSR b = testing::random_graph(300, 6, 2);  // same node count, other edges
  PartitionCacheInfo info;
  cached_partition(a, 8, PartitionMethod::Random, 0, dir, "g", &info);
  const Partition p = cached_partition(b, 8, PartitionMethod::Random, 0, dir, "g", &info);
  EXPECT_FALSE(info.hit);
  EXPECT_EQ(info.note.rfind("stale:", 0), 0u) << info.note;
  expect_same(p, partition_graph(b, 8, PartitionMethod::Random, 0));
  cached_partition(b, 8, PartitionMethod::Random, 0, dir, "g", &info);
  EXPECT_TRUE(info.hit);
}

TEST(PartitionCache, CorruptOrTruncatedCacheIsRebuilt) {
  const std::string dir = testing::temp_dir();
  const CSR adj = testing::random_graph(500, 5, 7);
  const Partition expected = partition_graph(adj, 10, kMethod, 0);
  PartitionCacheInfo info;
  cached_partition(adj, 10, kMethod, 0, dir, "g", &info);
  const std::string good = testing::read_file(info.path);

  std::string flipped = good;
  flipped[good.size() - 100] ^= 0x01;  // a byte of perm
  const std::vector<std::pair<std::string, std::string>> damages = {
      {flipped, "corrupt: checksum mismatch"},
      {good.substr(0, good.size() - 8), "(truncated?)"},
      {good.substr(0, 20), "corrupt: not a gas partition file"},
      {"", "corrupt: not a gas partition file"},
  };
  for (const auto& [bytes, why] : damages) {
    testing::write_file(info.path, bytes);
    expect_same(cached_partition(adj, 10, kMethod, 0, dir, "g", &info), expected);
    EXPECT_FALSE(info.hit);
    EXPECT_NE(info.note.find(why), std::string::npos) << info.note;
    EXPECT_EQ(testing::read_file(info.path), good) << "rebuilt and rewritten";
  }
}

TEST(PartitionCache, UnwritableDirectoryOnlyCostsTheCaching) {
  const std::string file = testing::write_file(testing::temp_dir() + "/not_a_dir", "x");
  const CSR adj = testing::random_graph(200, 4, 3);
  PartitionCacheInfo info;
  expect_same(cached_partition(adj, 4, PartitionMethod::Random, 1, file + "/cache", "g", &info),
              partition_graph(adj, 4, PartitionMethod::Random, 1));
  EXPECT_FALSE(info.hit);
  EXPECT_NE(info.note.find("not written: cannot write"), std::string::npos) << info.note;
}

}  // namespace
}  // namespace gas
