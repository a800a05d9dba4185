#pragma once
// Checks and small builders the dataset tests share.

#include <gas/graph.h>

#include <ATen/ATen.h>

#include <string>
#include <vector>

namespace gas {
namespace testing {

/// The raw directory of a Planetoid dataset under data_dir().
std::string planetoid_dir(const std::string& name);

/// Whether `adj` is symmetric, dense and by gas::is_symmetric, which must agree.
bool symmetric(const CSR& adj);

/// Expects adjacency rows equal to `rows` (columns sorted) and, when given, the weights.
void expect_rows(const CSR& adj, const std::vector<std::vector<int64_t>>& rows,
                 const std::vector<std::vector<float>>& weights = {});

/// bool and float32 tensors from literals.
at::Tensor bools(const std::vector<int>& v);
at::Tensor floats(const std::vector<float>& v);

}  // namespace testing
}  // namespace gas
