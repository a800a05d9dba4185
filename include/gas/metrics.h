#pragma once
/// \file
/// Evaluation metrics of node classification.

#include <gas/macros.h>

#include <ATen/core/Tensor.h>

#include <array>

namespace gas {

/// Fraction of masked nodes whose arg-max logit is the label. Single-label
/// targets (int64 [N]). NaN when the mask is empty.
GAS_API double accuracy(const at::Tensor& logits, const at::Tensor& y, const at::Tensor& mask);

/// Micro-averaged F1 over all (node, class) pairs of the masked nodes, with a
/// positive prediction where the logit is > 0. Multi-label targets ([N, C], 0/1).
GAS_API double micro_f1(const at::Tensor& logits, const at::Tensor& y, const at::Tensor& mask);

/// The sums a metric is a function of: accuracy's {masked nodes, correct
/// nodes}, micro-F1's {true positives, false positives, false negatives}.
/// Sums over disjoint node sets add up, so the ranks of a data-parallel job
/// all-reduce theirs and get the metric of the whole graph.
struct GAS_API MetricCounts {
  bool multi_label = false;
  std::array<double, 3> sums{};
  /// The metric (as accuracy() and micro_f1() return it).
  double value() const;
};

/// node_metric's counts.
GAS_API MetricCounts node_metric_counts(const at::Tensor& logits, const at::Tensor& y, const at::Tensor& mask);

/// accuracy for single-label targets, micro_f1 for multi-label ones.
GAS_API double node_metric(const at::Tensor& logits, const at::Tensor& y, const at::Tensor& mask);

}  // namespace gas
