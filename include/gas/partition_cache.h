#pragma once
/// \file
/// Partitions cached on disk: METIS on a large graph takes minutes, and every
/// run of a benchmark on the same graph asks for the same one.

#include <gas/macros.h>
#include <gas/partition.h>

#include <string>

namespace gas {

/// What cached_partition did, for the log.
struct GAS_API PartitionCacheInfo {
  bool hit = false;  ///< read from the cache
  std::string path;  ///< the cache file
  /// Why the cache was not used ("no cache file yet", "stale: ...",
  /// "corrupt: ...") and, if writing the new file failed, why ("not
  /// written: ..."); empty on a hit.
  std::string note;
};

/// partition_graph(adj, num_parts, method, seed), cached in `cache_dir` (the
/// benchmarks pass <root>/processed/gas) in a file named after `key` (the
/// dataset), the method, num_parts and seed. The file records a
/// fingerprint of the graph (nodes, entries and a hash of rowptr and col) and
/// a checksum of its contents: a cache written for another graph (stale) or
/// damaged in any way (corrupt, truncated) is recomputed and replaced. Files
/// are written atomically (temporary file and rename). A directory that
/// cannot be created or written only costs the caching: the partition is
/// computed and returned all the same. Errors of the partitioner itself
/// propagate.
GAS_API Partition cached_partition(const CSR& adj, int64_t num_parts, PartitionMethod method, int64_t seed,
                           const std::string& cache_dir, const std::string& key, PartitionCacheInfo* info = nullptr);

}  // namespace gas
