#include <gas/scalable_gnn.h>

#include <gas/nn/init.h>
#include <gas/ops/gather.h>
#include <gas/sparse_features.h>

#include <ATen/ATen.h>
#include <torch/csrc/autograd/grad_mode.h>

#include <unordered_set>

namespace gas {

const at::Tensor& LayerState::get(const std::string& key) const {
  const auto it = values_.find(key);
  TORCH_CHECK(it != values_.end(), "LayerState: no value '", key,
              "' (it is set by an earlier layer of the same batch; was that layer skipped?)");
  return it->second;
}

ScalableGNNImpl::ScalableGNNImpl(int64_t num_nodes, std::vector<int64_t> history_channels) {
  TORCH_CHECK(num_nodes > 0, "ScalableGNN: num_nodes must be positive, got ", num_nodes);
  histories_ = std::make_shared<HistoryStore>(num_nodes, std::move(history_channels));
}

void ScalableGNNImpl::reset_parameters() {
  TORCH_CHECK(named_parameters(/*recurse=*/false).is_empty(), name(),
              " registers parameters of its own, which gas does not know how to re-initialise; override "
              "reset_parameters() and re-initialise them there");
  nn::reset_submodules(*this);
  histories_->reset();
}

std::vector<at::Tensor> ScalableGNNImpl::nonreg_parameters() {
  std::vector<at::Tensor> out;
  for (const auto& module : nonreg_) {
    const auto params = module->parameters();
    out.insert(out.end(), params.begin(), params.end());
  }
  return out;
}

std::vector<at::Tensor> ScalableGNNImpl::reg_parameters() {
  std::unordered_set<const c10::TensorImpl*> nonreg;
  for (const at::Tensor& p : nonreg_parameters()) nonreg.insert(p.unsafeGetTensorImpl());
  std::vector<at::Tensor> out;
  for (const at::Tensor& p : parameters())
    if (!nonreg.count(p.unsafeGetTensorImpl())) out.push_back(p);
  return out;
}

void ScalableGNNImpl::to(torch::Device device, torch::Dtype dtype, bool non_blocking) {
  torch::nn::Module::to(device, dtype, non_blocking);
  histories_->set_compute_device(device);
}

void ScalableGNNImpl::to(torch::Device device, bool non_blocking) {
  torch::nn::Module::to(device, non_blocking);
  histories_->set_compute_device(device);
}

at::Tensor ScalableGNNImpl::forward(const at::Tensor& x, const CSR& adj, const Batch* batch) {
  LayerState state;
  if (batch == nullptr) return forward_chain(x, adj, nullptr, state);
  TORCH_CHECK(x.size(0) == batch->n_id.numel(), "ScalableGNN::forward: x has ", x.size(0), " rows, the batch has ",
              batch->n_id.numel(), " nodes (in-batch and halo)");
  return forward_batch(x, adj, *batch, state);
}

at::Tensor ScalableGNNImpl::forward_rows(const at::Tensor& x, const CSR& adj, const Batch& batch) {
  // GraphFM-OB's update reads layer 0's input rows as a matrix of its own.
  if (!reads_input_rows() || ob_momentum_ > 0) return forward(ops::gather_rows(x, batch.n_id), adj, &batch);
  LayerState state;
  state.set(kInputRows, batch.n_id.to(x.device()));
  return forward_batch(x, adj, batch, state);
}

at::Tensor ScalableGNNImpl::forward_batch(const at::Tensor& x, const CSR& adj, const Batch& batch, LayerState& state) {
  histories_->begin_batch(batch);
  at::Tensor out;
  try {
    out = forward_chain(x, adj, &batch, state);
  } catch (...) {
    histories_->end_batch();  // never leave transfers in flight behind an error
    throw;
  }
  histories_->end_batch();
  return out;
}

at::Tensor ScalableGNNImpl::forward_exact(const at::Tensor& x, const CSR& adj, std::vector<at::Tensor>* hidden) {
  if (hidden) hidden->clear();
  exact_ = true;
  exact_hidden_ = hidden;
  struct Reset {
    ScalableGNNImpl& model;
    ~Reset() {
      model.exact_ = false;
      model.exact_hidden_ = nullptr;
    }
  } reset{*this};
  LayerState state;
  return forward_chain(x, adj, nullptr, state);
}

void ScalableGNNImpl::set_out_of_batch_momentum(double gamma) {
  TORCH_CHECK(gamma >= 0 && gamma <= 1, "ScalableGNN: out-of-batch momentum must be in [0, 1], got ", gamma);
  TORCH_CHECK(gamma == 0 || supports_out_of_batch_momentum(), name(),
              " does not support out-of-batch momentum (GraphFM-OB): its layers read their output rows' own input");
  ob_momentum_ = gamma;
}

CSR ScalableGNNImpl::out_of_batch_block(const CSR& adj, int64_t batch_size) {
  const int64_t halo = adj.num_cols - batch_size;
  TORCH_CHECK(halo >= 0 && adj.num_rows == batch_size, "out_of_batch_block: adjacency [", adj.num_rows, ", ",
              adj.num_cols, "] for a batch of ", batch_size);
  const CSR t = transpose(adj);  // [IB + OB, IB]
  return select_rows(t, at::arange(batch_size, adj.num_cols, t.rowptr.options()));
}

void ScalableGNNImpl::update_out_of_batch(int64_t layer, const at::Tensor& input, const CSR& block, const Batch* batch,
                                          const LayerState& state) {
  if (ob_momentum_ == 0 || batch == nullptr || block.num_rows == 0) return;
  at::Tensor partial;
  {
    torch::NoGradGuard no_grad;
    LayerState scratch = state;  // a layer may set values; the batch's own stay as they are
    const ScopedMode eval(*this, false);
    partial = forward_layer(layer, first_rows(input, batch->batch_size), block, scratch);
  }
  histories_->mix(layer, partial, batch->n_id.narrow(0, batch->batch_size, block.num_rows), ob_momentum_);
}

at::Tensor ScalableGNNImpl::forward_chain(const at::Tensor& x, const CSR& adj, const Batch* batch, LayerState& state) {
  const bool ob = batch != nullptr && ob_momentum_ > 0;
  // Built from the batch's host adjacency (the graph transforms run on the CPU).
  const CSR block = ob ? out_of_batch_block(batch->adj, batch->batch_size).to(adj.device()) : CSR();
  at::Tensor h = x;
  for (int64_t layer = 0; layer < num_layers(); ++layer) {
    const at::Tensor input = h;
    h = forward_layer(layer, h, adj, state);
    if (layer + 1 == num_layers()) break;
    if (ob) update_out_of_batch(layer, input, block, batch, state);
    h = push_and_pull(layer, h, batch);
  }
  return h;
}

void ScalableGNNImpl::check_layer(int64_t layer) const {
  TORCH_CHECK(layer >= 0 && layer < num_layers(), "forward_layer: layer ", layer, " of a model with ", num_layers(),
              " layers");
}

at::Tensor ScalableGNNImpl::push_and_pull(int64_t layer, const at::Tensor& x, const Batch* batch) {
  if (batch == nullptr) {
    if (exact_) {
      if (exact_hidden_ != nullptr) exact_hidden_->push_back(x);
    } else if (x.size(0) == num_nodes())
      histories_->push(layer, x);
    return x;
  }
  histories_->push(layer, x, *batch);
  const at::Tensor halo = histories_->pull(layer, *batch);
  return at::cat({x.narrow(0, 0, batch->batch_size), halo.to(x.scalar_type())}, 0);
}

}  // namespace gas
