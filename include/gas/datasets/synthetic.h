#pragma once
/// \file
/// Synthetic node-classification graphs that scale to tens of millions of
/// nodes in linear time and memory: the built-in default dataset, and the
/// way to exercise large-scale training without downloading anything.

#include <gas/datasets/dataset.h>
#include <gas/macros.h>

#include <torch/arg.h>

#include <functional>
#include <string>

namespace gas {

struct GAS_API SyntheticOptions {
  /// "sbm": stochastic block model, blocks are the classes, no spatial
  /// locality (METIS cuts many edges, halos are large).
  /// "rgg": random geometric graph in the unit square, classes are regions
  /// (strong locality: good cuts, small halos).
  /// "line": a one-dimensional geometric graph whose ids are positions: a
  /// node's edges go to nodes at most 10 x avg_degree ids away, and classes
  /// are consecutive regions of region_size ids. Its ids already follow its
  /// locality (partition=range cuts it well without METIS), and it can be
  /// written to disk chunk by chunk (write_synthetic), so it can exceed RAM.
  TORCH_ARG(std::string, kind) = "sbm";
  /// line: nodes per class region.
  TORCH_ARG(int64_t, region_size) = 1000;
  TORCH_ARG(int64_t, num_nodes) = 10000;
  /// Expected number of neighbours per node.
  TORCH_ARG(double, avg_degree) = 10.0;
  TORCH_ARG(int64_t, num_features) = 64;
  TORCH_ARG(int64_t, num_classes) = 8;
  /// sbm: fraction of a node's edges that stay inside its class.
  TORCH_ARG(double, homophily) = 0.7;
  /// Features are class centroid (unit-variance entries) plus Gaussian noise
  /// of this standard deviation: large values make features alone weak, so
  /// the graph has to carry the signal.
  TORCH_ARG(double, feature_noise) = 12.0;
  /// Fractions of nodes in the training and validation sets; the rest tests.
  TORCH_ARG(double, train_fraction) = 0.1;
  TORCH_ARG(double, val_fraction) = 0.1;
  TORCH_ARG(uint64_t, seed) = 0;
};

/// Generates the graph. For sbm and rgg, node ids carry no information
/// (classes and positions are independent of the id), so the input order
/// has no locality; line's ids are its positions.
GAS_API Dataset make_synthetic(const SyntheticOptions& options);

/// Writes the line graph of `options` (kind "line") to `dir` in the custom
/// dataset's format (x.npy, y.npy, edge_index.npy with both directions of
/// every edge, train_mask.npy, val_mask.npy, test_mask.npy) a few chunks of
/// nodes at a time, so the graph may be far larger than memory; loading it
/// with dataset=custom gives make_synthetic's graph. The files appear under
/// `dir` only when complete (written in DIR.partial.PID, then renamed); an
/// existing `dir` is refused. `progress` is called with the nodes written.
GAS_API void write_synthetic(const SyntheticOptions& options, const std::string& dir,
                             const std::function<void(int64_t nodes_done)>& progress = {});

}  // namespace gas
