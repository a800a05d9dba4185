#pragma once
/// \file
/// Input features stored as sparse rows. Bag-of-words features (Planetoid,
/// Amazon, Coauthor) are ~1% non-zero; kept dense, the first layer's
/// transform and input dropout spend most of a small-graph epoch packing and
/// masking zeros. As a LibTorch sparse CSR tensor they flow through the same
/// at::Tensor interfaces: batches gather their rows (ops::gather_rows),
/// nn::dropout drops stored values, and nn::matmul / nn::linear multiply
/// them by dense weights with gradients for the weights.

#include <gas/macros.h>

#include <ATen/core/Tensor.h>

namespace gas {

/// The rows of a dense [N, F] float tensor as a sparse CSR tensor.
GAS_API at::Tensor to_sparse_features(const at::Tensor& dense);

/// A sparse CSR tensor from its parts (row pointers, columns, values).
GAS_API at::Tensor sparse_rows(const at::Tensor& crow, const at::Tensor& col, const at::Tensor& values, at::IntArrayRef size);

/// True for a sparse CSR tensor (as to_sparse_features makes).
GAS_API bool is_sparse_features(const at::Tensor& x);

/// Fraction of non-zero entries of a dense or sparse [N, F] tensor.
GAS_API double feature_density(const at::Tensor& x);

/// Bytes held by a dense or sparse tensor.
GAS_API int64_t tensor_nbytes(const at::Tensor& x);

/// The first `rows` rows (for sparse features: a CSR view-like copy of the
/// row structure prefix; for dense ones: x.narrow(0, 0, rows)).
GAS_API at::Tensor first_rows(const at::Tensor& x, int64_t rows);

}  // namespace gas
