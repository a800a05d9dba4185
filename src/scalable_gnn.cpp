#include <gas/scalable_gnn.h>

#include "util/system.h"

#include <ATen/ATen.h>

namespace gas {

const at::Tensor& LayerState::get(const std::string& key) const {
  const auto it = values_.find(key);
  TORCH_CHECK(it != values_.end(), "LayerState: no value '", key,
              "' (it is set by an earlier layer of the same batch; was that layer skipped?)");
  return it->second;
}

ScalableGNNImpl::ScalableGNNImpl(int64_t num_nodes, std::vector<int64_t> history_channels)
    : num_nodes_(num_nodes), io_(std::make_shared<SyncHistoryIO>()) {
  TORCH_CHECK(num_nodes > 0, "ScalableGNN: num_nodes must be positive, got ", num_nodes);
  histories_.reserve(history_channels.size());
  for (size_t i = 0; i < history_channels.size(); ++i) {
    TORCH_CHECK(history_channels[i] > 0, "ScalableGNN: history ", i, " must have a positive width, got ",
                history_channels[i]);
    histories_.emplace_back(num_nodes, history_channels[i]);
  }
}

int64_t ScalableGNNImpl::history_nbytes() const {
  int64_t total = 0;
  for (const History& h : histories_) total += h.nbytes();
  return total;
}

void ScalableGNNImpl::reset_parameters() {
  for (History& h : histories_) h.reset();
}

std::vector<at::Tensor> ScalableGNNImpl::reg_parameters() { return parameters(); }

std::vector<at::Tensor> ScalableGNNImpl::nonreg_parameters() { return {}; }

void ScalableGNNImpl::to(torch::Device device, torch::Dtype dtype, bool non_blocking) {
  torch::nn::Module::to(device, dtype, non_blocking);
  device_ = device;
  for (History& h : histories_) h.place(device_, placement_);
}

void ScalableGNNImpl::to(torch::Device device, bool non_blocking) {
  torch::nn::Module::to(device, non_blocking);
  device_ = device;
  for (History& h : histories_) h.place(device_, placement_);
}

void ScalableGNNImpl::set_history_placement(HistoryPlacement placement) {
  placement_ = placement;
  for (History& h : histories_) h.place(device_, placement_);
}

void ScalableGNNImpl::set_history_io(std::shared_ptr<HistoryIO> io) {
  TORCH_CHECK(io != nullptr, "ScalableGNN::set_history_io: null");
  io_ = std::move(io);
}

at::Tensor ScalableGNNImpl::forward(const at::Tensor& x, const CSR& adj, const Batch* batch) {
  LayerState state;
  if (batch == nullptr) return forward_chain(x, adj, nullptr, state);
  TORCH_CHECK(x.size(0) == batch->n_id.numel(), "ScalableGNN::forward: x has ", x.size(0), " rows, the batch has ",
              batch->n_id.numel(), " nodes (in-batch and halo)");
  double t = util::now_seconds();
  io_->begin_batch(histories_, *batch);
  times_.pull_seconds += util::now_seconds() - t;
  at::Tensor out;
  try {
    out = forward_chain(x, adj, batch, state);
  } catch (...) {
    io_->end_batch();  // never leave transfers in flight behind an error
    throw;
  }
  t = util::now_seconds();
  io_->end_batch();
  times_.push_seconds += util::now_seconds() - t;
  return out;
}

at::Tensor ScalableGNNImpl::forward_chain(const at::Tensor& x, const CSR& adj, const Batch* batch, LayerState& state) {
  at::Tensor h = x;
  for (int64_t layer = 0; layer < num_layers(); ++layer) {
    h = forward_layer(layer, h, adj, state);
    if (layer + 1 < num_layers()) h = push_and_pull(histories_[layer], h, batch);
  }
  return h;
}

void ScalableGNNImpl::check_layer(int64_t layer) const {
  TORCH_CHECK(layer >= 0 && layer < num_layers(), "forward_layer: layer ", layer, " of a model with ", num_layers(),
              " layers");
}

size_t ScalableGNNImpl::history_index(const History& history) const {
  const std::ptrdiff_t i = &history - histories_.data();
  TORCH_CHECK(i >= 0 && i < static_cast<std::ptrdiff_t>(histories_.size()),
              "push_and_pull: the history does not belong to this model");
  return static_cast<size_t>(i);
}

at::Tensor ScalableGNNImpl::push_and_pull(History& history, const at::Tensor& x, const Batch* batch) {
  const size_t index = history_index(history);
  if (batch == nullptr) {
    if (x.size(0) == num_nodes_) history.push(x);
    return x;
  }
  TORCH_CHECK(x.size(0) >= batch->batch_size, "push_and_pull: history ", index, " got ", x.size(0),
              " rows for a batch of ", batch->batch_size, " nodes");
  double t = util::now_seconds();
  io_->push_batch(histories_, index, x, *batch);
  times_.push_seconds += util::now_seconds() - t;
  t = util::now_seconds();
  const at::Tensor halo = io_->pull_halo(histories_, index, *batch);
  times_.pull_seconds += util::now_seconds() - t;
  times_.rows_pushed += batch->batch_size;
  times_.rows_pulled += halo.size(0);
  return at::cat({x.narrow(0, 0, batch->batch_size), halo.to(x.scalar_type())}, 0);
}

}  // namespace gas
