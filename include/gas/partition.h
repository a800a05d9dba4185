#pragma once
/// \file
/// Graph partitioning into clusters that become GAS's minibatch units.

#include <gas/graph.h>
#include <gas/macros.h>

#include <string>

namespace gas {

/// Nodes grouped by part: part p consists of the nodes perm[ptr[p]:ptr[p+1]].
/// After permuting the graph by `perm` every part is a contiguous node range.
struct GAS_API Partition {
  at::Tensor perm;  ///< int64 [N], a permutation of 0..N-1
  at::Tensor ptr;   ///< int64 [num_parts + 1], non-decreasing, ptr[0] = 0, ptr[-1] = N

  int64_t num_parts() const { return ptr.numel() - 1; }
  /// Part id of every node, in the original (unpermuted) numbering.
  at::Tensor assignment() const;
};

enum class PartitionMethod { Metis, MetisRecursive, Random, Range };

/// Parses "metis", "metis_recursive", "random" or "range"; throws naming the valid ones.
GAS_API PartitionMethod parse_partition_method(const std::string& name);
GAS_API std::string to_string(PartitionMethod method);

/// True when gas was built with METIS.
GAS_API bool has_metis();

/// METIS k-way (or recursive bisection) on the symmetrised adjacency without
/// self-loops and without edge weights, as PyGAS's metis() does. Parts are
/// numbered by METIS and nodes keep their relative order inside a part (stable
/// sort), so the result is deterministic for a given seed.
///
/// num_parts <= 1 returns the identity with a single part without calling
/// METIS (which crashes on one part). Errors: num_parts > N, a graph beyond
/// METIS's index range (Debian's METIS uses 32-bit indices), or a METIS
/// failure code, each reported with the sizes involved.
GAS_API Partition metis(const CSR& adj, int64_t num_parts, bool recursive = false, int64_t seed = 0);

/// Nodes shuffled (seeded) and cut into num_parts parts of equal size (+-1):
/// the fallback when METIS is unavailable or too slow, and the baseline the
/// tests compare METIS's edge cut against.
GAS_API Partition random_partition(int64_t num_nodes, int64_t num_parts, int64_t seed = 0);

/// Consecutive node ids cut into num_parts ranges of equal size (+-1), no
/// reordering: for graphs whose ids already follow their locality (written
/// in spatial order, or partitioned before), and for graphs METIS cannot
/// hold in memory. The identity permutation leaves the graph and its
/// features where they are (memory-mapped features stay unread).
GAS_API Partition range_partition(int64_t num_nodes, int64_t num_parts);

/// Dispatches on `method`.
GAS_API Partition partition_graph(const CSR& adj, int64_t num_parts, PartitionMethod method, int64_t seed = 0);

/// Number of stored entries (u, v) whose endpoints lie in different parts; for
/// a symmetric adjacency that is twice the number of cut undirected edges.
GAS_API int64_t edge_cut(const CSR& adj, const Partition& partition);
/// edge_cut as a percentage of the stored entries (0 for an empty graph).
GAS_API double edge_cut_percent(const CSR& adj, const Partition& partition);

}  // namespace gas
