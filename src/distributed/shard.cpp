#include <gas/distributed/shard.h>

#include <gas/ops/expand_rowptr.h>

#include <ATen/ATen.h>

namespace gas {
namespace dist {

RankPartition partition_ranks(const CSR& adj, int64_t ranks, int64_t num_parts, PartitionMethod method,
                              int64_t seed) {
  TORCH_CHECK(ranks >= 1, "partition_ranks: ranks must be >= 1, got ", ranks);
  TORCH_CHECK(num_parts >= ranks, "partition_ranks: ", num_parts, " parts cannot give each of ", ranks,
              " ranks one (num_parts must be at least the number of processes)");
  const int64_t n = adj.num_rows;
  TORCH_CHECK(n >= ranks, "partition_ranks: a graph of ", n, " nodes cannot feed ", ranks, " ranks");
  RankPartition out;
  if (ranks == 1) {
    out.partition = partition_graph(adj, num_parts, method, seed);
    out.owner_offsets = at::tensor({int64_t{0}, n}, at::kLong);
    out.rank_parts = at::tensor({int64_t{0}, out.partition.num_parts()}, at::kLong);
    return out;
  }
  const Partition blocks = partition_graph(adj, ranks, method, seed);
  std::vector<at::Tensor> perms, ptrs{at::zeros({1}, at::kLong)};
  std::vector<int64_t> owner{0}, rank_parts{0};
  for (int64_t r = 0; r < ranks; ++r) {
    const int64_t lo = blocks.ptr[r].item<int64_t>(), size = blocks.ptr[r + 1].item<int64_t>() - lo;
    TORCH_CHECK(size > 0, "partition_ranks: rank ", r, " of ", ranks, " got no nodes from ", to_string(method),
                " on a graph of ", n, " nodes; use fewer processes");
    // The block's nodes in ascending order, as induced_subgraph numbers them.
    const at::Tensor nodes = std::get<0>(blocks.perm.narrow(0, lo, size).sort());
    at::Tensor mask = at::zeros({n}, at::kBool);
    mask.index_fill_(0, nodes, true);
    const int64_t parts = std::min(size, num_parts / ranks + (r < num_parts % ranks ? 1 : 0));
    const Partition inner = partition_graph(induced_subgraph(adj, mask), parts, method, seed);
    perms.push_back(nodes.index_select(0, inner.perm));
    ptrs.push_back(inner.ptr.narrow(0, 1, parts) + owner.back());
    owner.push_back(owner.back() + size);
    rank_parts.push_back(rank_parts.back() + parts);
  }
  out.partition.perm = at::cat(perms);
  out.partition.ptr = at::cat(ptrs);
  out.owner_offsets = at::tensor(owner, at::kLong);
  out.rank_parts = at::tensor(rank_parts, at::kLong);
  return out;
}

at::Tensor halo_sizes(const CSR& adj, const Partition& blocks) {
  const int64_t n = adj.num_rows, k = blocks.num_parts();
  TORCH_CHECK(blocks.perm.numel() == n, "halo_sizes: a partition of ", blocks.perm.numel(), " nodes for a graph of ", n);
  const at::Tensor part = blocks.assignment();
  const at::Tensor row_part = part.index_select(0, ops::expand_rowptr(adj.rowptr, adj.nnz()));
  const at::Tensor col_part = part.index_select(0, adj.col);
  const at::Tensor cut = row_part.ne(col_part);
  // One key per (reading rank, node read) pair across the cut, counted once.
  const at::Tensor keys = std::get<0>(at::_unique(row_part.masked_select(cut) * n + adj.col.masked_select(cut)));
  return at::bincount(keys.div(n, "floor"), {}, k);
}

Shard make_shard(const Dataset& data, const RankPartition& ranks, int64_t rank) {
  TORCH_CHECK(rank >= 0 && rank < ranks.num_ranks(), "make_shard: rank ", rank, " outside ", ranks.num_ranks(),
              " ranks");
  const CSR& adj = data.adj;
  const at::Tensor& perm = ranks.partition.perm;
  TORCH_CHECK(adj.num_rows == adj.num_cols && adj.num_rows == data.num_nodes() && perm.numel() == adj.num_rows,
              "make_shard: expected the whole graph and its partition, got ", adj.num_rows, " x ", adj.num_cols,
              " for ", data.num_nodes(), " nodes and a partition of ", perm.numel());
  const int64_t lo = ranks.owner_offsets[rank].item<int64_t>(), hi = ranks.owner_offsets[rank + 1].item<int64_t>();
  const int64_t owned = hi - lo;
  // The rank's rows, columns renumbered into the partition's order: only
  // this rank's part of the graph is touched, never a permuted copy of all.
  const CSR rows = select_rows(adj, perm.narrow(0, lo, owned));
  const at::Tensor col = invert_permutation(perm).index_select(0, rows.col);
  const at::Tensor outside = col.lt(lo).logical_or(col.ge(hi));
  const at::Tensor halo = std::get<0>(at::_unique(col.masked_select(outside), /*sorted=*/true));
  // Local column ids: own nodes by offset, halo nodes after them by rank in the halo.
  const at::Tensor local_col = at::where(outside, at::searchsorted(halo, col) + owned, col - lo);

  Shard shard;
  shard.num_owned = owned;
  shard.global_id = at::cat({at::arange(lo, hi, at::kLong), halo});
  CSR local = rows;
  local.col = local_col;
  local.num_cols = shard.num_local();
  shard.data.name = data.name;
  shard.data.adj = coalesce(local);  // rows sorted again: halo columns moved past the own ones
  const at::Tensor loaded = perm.index_select(0, shard.global_id);  // the local nodes' ids as loaded
  shard.data.x = data.x.index_select(0, loaded);
  shard.data.y = data.y.index_select(0, loaded);
  // Masks: the own rows as they are, none on the halo (its owners train and evaluate it).
  const at::Tensor own = loaded.narrow(0, 0, owned);
  auto own_mask = [&](const at::Tensor& m) {
    if (!m.defined()) return m;
    return at::cat({m.index_select(0, own), at::zeros_like(m.narrow(0, 0, shard.num_halo()))});
  };
  shard.data.train_mask = own_mask(data.train_mask);
  shard.data.val_mask = own_mask(data.val_mask);
  shard.data.test_mask = own_mask(data.test_mask);
  shard.data.num_classes = data.num_classes;
  shard.data.mask_sources = data.mask_sources;
  const int64_t p0 = ranks.rank_parts[rank].item<int64_t>(), p1 = ranks.rank_parts[rank + 1].item<int64_t>();
  shard.ptr = ranks.partition.ptr.narrow(0, p0, p1 - p0 + 1) - lo;
  return shard;
}

}  // namespace dist
}  // namespace gas
