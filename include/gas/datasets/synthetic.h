#pragma once
/// \file
/// Synthetic node-classification graphs that scale to tens of millions of
/// nodes in linear time and memory: the built-in default dataset, and the
/// way to exercise large-scale training without downloading anything.

#include <gas/datasets/dataset.h>
#include <gas/macros.h>

#include <torch/arg.h>

namespace gas {

struct GAS_API SyntheticOptions {
  /// "sbm": stochastic block model, blocks are the classes, no spatial
  /// locality (METIS cuts many edges, halos are large).
  /// "rgg": random geometric graph in the unit square, classes are regions
  /// (strong locality: good cuts, small halos).
  TORCH_ARG(std::string, kind) = "sbm";
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

/// Generates the graph. Node ids carry no information (classes and
/// positions are independent of the id), so the input order has no locality.
GAS_API Dataset make_synthetic(const SyntheticOptions& options);

}  // namespace gas
