#pragma once
/// \file
/// Evaluation metrics of node classification.

#include <gas/macros.h>

#include <ATen/core/Tensor.h>

namespace gas {

/// Fraction of masked nodes whose arg-max logit is the label. Single-label
/// targets (int64 [N]). NaN when the mask is empty.
GAS_API double accuracy(const at::Tensor& logits, const at::Tensor& y, const at::Tensor& mask);

/// Micro-averaged F1 over all (node, class) pairs of the masked nodes, with a
/// positive prediction where the logit is > 0. Multi-label targets ([N, C], 0/1).
GAS_API double micro_f1(const at::Tensor& logits, const at::Tensor& y, const at::Tensor& mask);

/// accuracy for single-label targets, micro_f1 for multi-label ones.
GAS_API double node_metric(const at::Tensor& logits, const at::Tensor& y, const at::Tensor& mask);

}  // namespace gas
