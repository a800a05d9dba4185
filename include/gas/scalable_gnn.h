#pragma once
/// \file
/// The base class of every GAS model.

#include <gas/graph.h>
#include <gas/history/store.h>
#include <gas/loader.h>
#include <gas/macros.h>

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace gas {

/// Per-batch values a layer leaves for later layers, e.g. the input of the
/// first layer that APPNP and GCNII mix back in, or the layer outputs that
/// jumping knowledge combines. Layer-wise inference keeps one state per
/// evaluation batch across all layers, so each value should hold in-batch
/// rows only.
class GAS_API LayerState {
 public:
  void set(const std::string& key, at::Tensor value) { values_[key] = std::move(value); }
  bool has(const std::string& key) const { return values_.count(key) > 0; }
  const at::Tensor& get(const std::string& key) const;
  void clear() { values_.clear(); }

 private:
  std::map<std::string, at::Tensor> values_;
};

/// A GNN trained with GAS. A subclass describes one layer at a time:
///
///   at::Tensor forward_layer(int64_t layer, const at::Tensor& x,
///                            const CSR& adj, LayerState& state) override;
///
/// mapping the layer's input rows (in-batch nodes first, then halo) to the
/// outputs of the adjacency's rows (the in-batch nodes). The inherited
/// forward() chains the layers with push_and_pull() between them, and
/// layerwise_inference() runs the same layers over the whole graph, so one
/// definition serves training, full-batch evaluation and layer-wise inference.
/// Models whose layers do not form a chain override forward_chain() instead
/// and call push_and_pull() themselves. Do not declare a method named
/// `forward` in a subclass: it would hide this one.
///
///   struct MyGNNImpl : gas::ScalableGNNImpl {
///     MyGNNImpl(int64_t n, int64_t in, int64_t hidden, int64_t out)
///         : ScalableGNNImpl(n, {hidden}) { ... register_module(...) ... }
///     at::Tensor forward_layer(int64_t layer, const at::Tensor& x,
///                              const gas::CSR& adj, gas::LayerState&) override;
///   };
///   TORCH_MODULE(MyGNN);
class GAS_API ScalableGNNImpl : public torch::nn::Module {
 public:
  /// One history per hidden layer: history i holds the output of layer i and
  /// is history_channels[i] wide, so the model has history_channels.size() + 1
  /// layers. Widths may differ from layer to layer.
  ScalableGNNImpl(int64_t num_nodes, std::vector<int64_t> history_channels);

  /// Runs the model.
  ///  - Training batch (`batch` given): x holds the rows of batch->n_id, adj is
  ///    the batch's bipartite adjacency; returns the batch_size in-batch rows.
  ///    Between layers, in-batch rows are pushed and halo rows pulled.
  ///  - Full graph (no batch, x has num_nodes rows): every hidden layer's
  ///    output is pushed to its history (this fills them); returns all rows.
  ///  - Anything else (no batch, another node count): plain forward, the
  ///    histories are neither read nor written.
  at::Tensor forward(const at::Tensor& x, const CSR& adj, const Batch* batch = nullptr);

  /// A training batch whose input is rows batch.n_id of `x` (the loader's
  /// whole feature matrix, SubgraphLoaderOptions::gather_features(false)):
  /// forward(ops::gather_rows(x, batch.n_id), adj, &batch) without the copy
  /// where the first layer reads the rows in place (reads_input_rows);
  /// other models gather first. The same result, bit for bit.
  at::Tensor forward_rows(const at::Tensor& x, const CSR& adj, const Batch& batch);

  /// Whether forward_layer(0, x, adj, state) reads its input as the rows
  /// state.get(kInputRows) of x when the state has them (forward_rows sets
  /// them for layer 0 only). A dense 1,433-wide input's gather was ~15% of a
  /// GCN epoch on Cora.
  virtual bool reads_input_rows() const { return false; }
  /// The LayerState key of layer 0's input rows (see reads_input_rows).
  static constexpr const char* kInputRows = "input_rows";

  /// One layer. Output rows correspond to adj's rows; the input has adj's
  /// columns as rows.
  virtual at::Tensor forward_layer(int64_t layer, const at::Tensor& x, const CSR& adj, LayerState& state) = 0;

  /// The full graph's forward (x has num_nodes rows) without touching the
  /// histories: the exact embeddings of the current weights. When `hidden`
  /// is given it receives every hidden layer's output (one per history).
  /// Runs in the current mode; callers wanting exact values use eval() and
  /// no gradients.
  at::Tensor forward_exact(const at::Tensor& x, const CSR& adj, std::vector<at::Tensor>* hidden = nullptr);

  /// GraphFM-OB (Yu et al., ICML 2022): on a training batch, before each
  /// history's pull, its out-of-batch rows are moved towards the layer's
  /// output computed from the in-batch rows alone,
  ///   hist[OB] <- gamma * layer(A[OB, IB] x_IB) + (1 - gamma) * hist[OB],
  /// evaluated without gradients in eval mode. 0 (the default) is plain GAS.
  /// Needs a model whose forward_layer, given the transposed block as the
  /// adjacency, computes exactly that (supports_out_of_batch_momentum).
  void set_out_of_batch_momentum(double gamma);
  double out_of_batch_momentum() const { return ob_momentum_; }
  /// Whether forward_layer(layer, x_IB, A[OB, IB]) is the layer's output for
  /// the out-of-batch rows from in-batch messages only: true for layers that
  /// propagate over the adjacency and transform per row, with no term that
  /// reads the output row's own input (a root weight, a residual, a state).
  virtual bool supports_out_of_batch_momentum() const { return false; }

  int64_t num_nodes() const { return histories_->num_nodes(); }
  int64_t num_layers() const { return histories_->size() + 1; }
  /// The histories: where their rows live (set_backend), how training
  /// batches move them (set_transport), and every read and write of them.
  HistoryStore& histories() { return *histories_; }
  const HistoryStore& histories() const { return *histories_; }

  /// Re-initialises every weight and zeroes the histories; run r of an
  /// experiment starts here. The weights are those of the submodules, in
  /// registration order (nn::reset_submodules: gas's layers, Linear,
  /// BatchNorm1d, through containers). A model holding parameters of another
  /// kind overrides this, re-initialises them and calls histories().reset().
  virtual void reset_parameters();

  /// Whether layer 0 accepts sparse input features (sparse_features.h):
  /// true for models whose first step multiplies the features by a weight.
  virtual bool supports_sparse_input() const { return false; }

  /// Parameters that take the regularised weight decay: every parameter
  /// outside the modules given to set_nonreg.
  virtual std::vector<at::Tensor> reg_parameters();
  /// Parameters that take the non-regularised weight decay (the GAS paper's
  /// second group): those of the modules given to set_nonreg, in that order.
  virtual std::vector<at::Tensor> nonreg_parameters();

  /// Moves parameters and buffers; the histories' backend places their
  /// storage for the new device.
  using torch::nn::Module::to;
  void to(torch::Device device, torch::Dtype dtype, bool non_blocking = false) override;
  void to(torch::Device device, bool non_blocking = false) override;
  c10::Device device() const { return histories_->compute_device(); }

 protected:
  /// The model's structure over one batch (or the full graph): by default
  /// forward_layer for every layer with push_and_pull after all but the last.
  virtual at::Tensor forward_chain(const at::Tensor& x, const CSR& adj, const Batch* batch, LayerState& state);

  /// Throws unless 0 <= layer < num_layers(), naming the model's depth.
  void check_layer(int64_t layer) const;

  /// Puts the parameters of `modules` (holders, or vectors of holders;
  /// empty holders are skipped) in the non-regularised group.
  template <typename... Modules>
  void set_nonreg(const Modules&... modules) {
    (add_nonreg(modules), ...);
  }

  /// GAS's exchange after model layer `layer` (its history): on a training
  /// batch pushes x[:batch_size] and returns cat(x[:batch_size], the halo
  /// rows pulled); on the full graph pushes every row and returns x;
  /// otherwise returns x untouched.
  at::Tensor push_and_pull(int64_t layer, const at::Tensor& x, const Batch* batch);

  /// GraphFM-OB's update of history `layer` from the layer's `input` (its
  /// in-batch rows are read), with `block` = out_of_batch_block(adj, batch);
  /// does nothing without out-of-batch momentum. forward_chain calls it
  /// before each push_and_pull; an override of forward_chain calls it too.
  void update_out_of_batch(int64_t layer, const at::Tensor& input, const CSR& block, const Batch* batch,
                           const LayerState& state);
  /// The batch's messages from in-batch to out-of-batch nodes: A[OB, IB]
  /// (rows: the halo, columns: the in-batch nodes), from adj = A[IB, IB+OB].
  static CSR out_of_batch_block(const CSR& adj, int64_t batch_size);

 private:
  // A training batch's forward_chain between the histories' begin_batch
  // and end_batch.
  at::Tensor forward_batch(const at::Tensor& x, const CSR& adj, const Batch& batch, LayerState& state);

  template <typename Impl>
  void add_nonreg(const torch::nn::ModuleHolder<Impl>& module) {
    if (!module.is_empty()) nonreg_.push_back(module.ptr());
  }
  template <typename Holder>
  void add_nonreg(const std::vector<Holder>& modules) {
    for (const auto& m : modules) add_nonreg(m);
  }

  std::shared_ptr<HistoryStore> histories_;
  std::vector<std::shared_ptr<torch::nn::Module>> nonreg_;
  double ob_momentum_ = 0.0;
  // Inside forward_exact: full-graph outputs go to exact_hidden_ (when not
  // null) instead of the histories.
  bool exact_ = false;
  std::vector<at::Tensor>* exact_hidden_ = nullptr;
};

/// Puts a module in training (true) or eval (false) mode for a scope and
/// gives it back its mode at the scope's end, exceptions included: the
/// inference passes and GraphFM-OB's no-grad update run inside training.
class GAS_API ScopedMode {
 public:
  ScopedMode(torch::nn::Module& module, bool training) : module_(module), was_training_(module.is_training()) {
    module.train(training);
  }
  ~ScopedMode() { module_.train(was_training_); }
  ScopedMode(const ScopedMode&) = delete;
  ScopedMode& operator=(const ScopedMode&) = delete;

 private:
  torch::nn::Module& module_;
  bool was_training_;
};

}  // namespace gas
