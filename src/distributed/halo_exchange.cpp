#include <gas/distributed/halo_exchange.h>

#include <gas/history/store.h>

#include <ATen/ATen.h>

namespace gas {
namespace dist {

HaloExchange::HaloExchange(Communicator& comm, const at::Tensor& owner_offsets, const at::Tensor& halo)
    : comm_(comm) {
  const int64_t k = comm.size(), rank = comm.rank();
  TORCH_CHECK(owner_offsets.dim() == 1 && owner_offsets.size(0) == k + 1 && owner_offsets.scalar_type() == at::kLong,
              "HaloExchange: owner_offsets must be int64 [", k + 1, "], got ", owner_offsets.toString(),
              owner_offsets.sizes());
  const at::Tensor offsets = owner_offsets.cpu().contiguous();
  const int64_t* off = offsets.data_ptr<int64_t>();
  TORCH_CHECK(off[0] == 0, "HaloExchange: owner_offsets must start at 0, got ", off[0]);
  for (int64_t r = 0; r < k; ++r)
    TORCH_CHECK(off[r] <= off[r + 1], "HaloExchange: owner_offsets decrease at rank ", r, ": ", off[r], " > ",
                off[r + 1]);
  num_owned_ = off[rank + 1] - off[rank];
  TORCH_CHECK(halo.dim() == 1 && halo.scalar_type() == at::kLong, "HaloExchange: halo must be 1-D int64, got ",
              halo.toString(), halo.sizes());
  const at::Tensor ids = halo.cpu().contiguous();
  num_halo_ = ids.numel();
  const int64_t* h = ids.data_ptr<int64_t>();
  recv_counts_.assign(static_cast<size_t>(k), 0);
  int64_t owner = 0;
  for (int64_t i = 0; i < num_halo_; ++i) {
    TORCH_CHECK(i == 0 || h[i - 1] < h[i], "HaloExchange: halo ids must be strictly increasing, got ", h[i - 1],
                " then ", h[i]);
    TORCH_CHECK(h[i] >= 0 && h[i] < off[k], "HaloExchange: halo id ", h[i], " outside the ", off[k], " nodes");
    while (h[i] >= off[owner + 1]) ++owner;
    TORCH_CHECK(owner != rank, "HaloExchange: halo id ", h[i], " is owned by this rank (", rank, ")");
    ++recv_counts_[static_cast<size_t>(owner)];
  }
  // Every owner learns how many rows, then which, each peer reads from it.
  const std::vector<int64_t> ones(static_cast<size_t>(k), 1);
  const at::Tensor counts = comm.all_to_all(at::tensor(recv_counts_, at::kLong), ones, ones);
  send_counts_.assign(counts.data_ptr<int64_t>(), counts.data_ptr<int64_t>() + k);
  send_rows_ = comm.all_to_all(ids, recv_counts_, send_counts_).sub_(off[rank]);
  if (send_rows_.numel() > 0) {
    const int64_t lo = send_rows_.min().item<int64_t>(), hi = send_rows_.max().item<int64_t>();
    TORCH_CHECK(lo >= 0 && hi < num_owned_, "HaloExchange: a peer asked rank ", rank, " for a node it does not own (",
                "local id ", lo < 0 ? lo : hi, " of ", num_owned_, ")");
  }
}

void HaloExchange::refresh(at::Tensor& table) {
  TORCH_CHECK(table.dim() == 2 && table.size(0) == num_owned_ + num_halo_ && table.is_contiguous() &&
                  table.device().is_cpu(),
              "HaloExchange::refresh: expected a contiguous CPU table of ", num_owned_ + num_halo_, " rows, got ",
              table.sizes());
  const at::Tensor received = comm_.all_to_all(table.index_select(0, send_rows_), send_counts_, recv_counts_);
  table.narrow(0, num_owned_, num_halo_).copy_(received);
}

void HaloExchange::refresh(HistoryStore& store, int64_t layer) {
  start(store, layer, layer + 1);
  finish_refresh(store);
}

void HaloExchange::start_refresh(HistoryStore& store) { start(store, 0, store.size()); }

void HaloExchange::start(HistoryStore& store, int64_t first, int64_t last) {
  TORCH_CHECK(!pending_.pending(), "HaloExchange: a refresh is in flight; finish it first");
  TORCH_CHECK(store.num_nodes() == num_owned_ + num_halo_, "HaloExchange: the histories hold ", store.num_nodes(),
              " rows, this rank has ", num_owned_, " own and ", num_halo_, " halo nodes");
  std::vector<at::Tensor> layers;
  for (int64_t layer = first; layer < last; ++layer) layers.push_back(store.pull(layer, send_rows_).cpu());
  pending_ = comm_.start_all_to_all(at::cat(layers, 1).contiguous(), send_counts_, recv_counts_);
  pending_first_ = first;
  pending_last_ = last;
}

void HaloExchange::finish_refresh(HistoryStore& store) {
  const at::Tensor received = pending_.wait();
  if (num_halo_ == 0) return;
  int64_t column = 0;
  for (int64_t layer = pending_first_; layer < pending_last_; ++layer) {
    const int64_t width = store.width(layer);
    store.push(layer, received.narrow(1, column, width).contiguous().to(store.compute_device()),
               at::full({1}, num_owned_, at::kLong), at::full({1}, num_halo_, at::kLong));
    column += width;
  }
}

}  // namespace dist
}  // namespace gas
