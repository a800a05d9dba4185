#pragma once
/// \file
/// The layer splitter: exact full-graph inference, one layer at a time over
/// all evaluation batches, with the histories as the buffers between layers.

#include <gas/loader.h>
#include <gas/macros.h>
#include <gas/scalable_gnn.h>

#include <torch/arg.h>

#include <functional>

namespace gas {

struct GAS_API LayerwiseOptions {
  /// Write the [num_nodes, out] output to host memory (pinned when the model
  /// is on CUDA, each batch's rows copied on the compute stream as they are
  /// made) instead of the model's device: the device then never holds a
  /// whole-graph tensor. Same values either way.
  TORCH_ARG(bool, output_on_host) = false;
  /// Called with the histories and the layer once a hidden layer's rows are
  /// all in its history, before the next layer reads them: where a
  /// data-parallel rank fetches the rows of its halo from their owners.
  TORCH_ARG(std::function<void(HistoryStore&, int64_t)>, after_layer) = nullptr;
  /// Leave the model's histories as they are: the layers go through buffers
  /// of their own (as for another graph), so evaluation does not refresh
  /// what training pulls.
  TORCH_ARG(bool, keep_histories) = false;
  /// Run the layers in training mode (dropout drawn as a training step draws
  /// it; still no gradients), so that the rows written are distributed as
  /// the pushes of training they replace: refresh_mode=train.
  TORCH_ARG(bool, training) = false;
};

/// Computes the model's eval-mode output for every node of the graph the
/// loader was built on. Layer l runs forward_layer(l, ...) over every batch;
/// its in-batch outputs are written to history l, which layer l+1 reads for
/// both in-batch and halo rows. The result equals a full-batch forward of the
/// same model in eval mode, while only one batch's activations exist at a time.
///
/// `x` holds the input features of all nodes (any device; rows are moved to
/// the model's device batch by batch). When the loader's graph is the one
/// the model trains on (same node count), the model's histories are the
/// buffers and end up holding fresh eval-mode embeddings (the GAS fill pass);
/// for another graph, e.g. the validation graphs of an inductive dataset,
/// temporary buffers of the same widths are used and the histories are left
/// alone. Returns a fresh [num_rows, out] tensor (loader.num_rows(): every
/// node, or a rank's own) on the model's device, or
/// on the host (see LayerwiseOptions). The model's train/eval mode is
/// restored afterwards.
GAS_API at::Tensor layerwise_inference(ScalableGNNImpl& model, const EvalSubgraphLoader& loader, const at::Tensor& x,
                                       const LayerwiseOptions& options = {});

}  // namespace gas
