#pragma once
/// \file
/// Writing per-node results (logits, predictions, embeddings) to files.

#include <gas/macros.h>

#include <ATen/core/Tensor.h>

#include <string>

namespace gas {

/// Writes `values` ([N] or [N, C]; float, integer or bool), whose row i
/// belongs to node i, to `path`, atomically:
///  - `.npy`: the array itself (numpy's format, C order), so row i is node i;
///  - `.csv`: a header `node_id,v0,v1,...` and one line per node.
/// Other extensions are an error naming the valid ones.
GAS_API void write_node_values(const at::Tensor& values, const std::string& path);

}  // namespace gas
