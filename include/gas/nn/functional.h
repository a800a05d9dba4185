#pragma once
/// \file
/// Functional building blocks shared by the layers and models.

#include <gas/macros.h>

#include <ATen/core/Tensor.h>

namespace gas {
namespace nn {

/// Inverted dropout: zeroes each element with probability p and scales the
/// rest by 1 / (1 - p) when `training`; identity otherwise. Differentiable.
/// The mask is a hash of (seed, element index) with the seed drawn from
/// LibTorch's default generator, so torch::manual_seed makes runs
/// repeatable. It vectorises and is recomputed in the backward pass rather
/// than stored (ops/dropout.h); LibTorch's bernoulli_ is a serial
/// per-element loop on CPU builds without MKL and dominated small-graph
/// epochs.
/// Sparse features (see sparse_features.h) drop stored values.
GAS_API at::Tensor dropout(const at::Tensor& x, double p, bool training);

/// x @ w for dense or sparse-feature x and a dense [F, out] w;
/// differentiable with respect to w (and to x when dense).
GAS_API at::Tensor matmul(const at::Tensor& x, const at::Tensor& w);

/// Rows `rows` of x (dense, differentiable; or sparse features), x itself
/// without rows: a first layer's input handed over as the whole matrix and
/// the batch's rows (ScalableGNN::forward_rows) where it cannot read them in
/// place.
GAS_API at::Tensor input_rows(const at::Tensor& x, const at::Tensor& rows);

/// matmul(dropout(x, p, training), w), with the same mask and random draw,
/// fused for dense float x (ops/dropout_matmul.h: no dropped copy of x, no
/// packing of it by the GEMM); evaluation (or p = 0) runs the fused
/// product without a mask. With `rows`, of the rows `rows` of x
/// (x.index_select(0, rows) first, read in place where fused).
GAS_API at::Tensor dropout_matmul(const at::Tensor& x, const at::Tensor& w, double p, bool training,
                                  const at::Tensor& rows = {});

/// x @ weight^T + bias (a Linear layer's weight [out, F] and optional bias)
/// for dense or sparse-feature x.
GAS_API at::Tensor linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias);

}  // namespace nn
}  // namespace gas
