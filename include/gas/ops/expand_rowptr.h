#pragma once
/// \file
/// The row of every stored entry of a CSR: rowptr expanded to COO rows.

#include <gas/macros.h>

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace gas {
namespace ops {

/// row[e] = r for every entry e in [rowptr[r], rowptr[r + 1]): int64 [nnz] on
/// rowptr's device. `nnz` is rowptr's last entry, passed so that no device
/// value is read back.
GAS_API at::Tensor expand_rowptr(const at::Tensor& rowptr, int64_t nnz);

}  // namespace ops
}  // namespace gas
