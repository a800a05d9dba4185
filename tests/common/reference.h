#pragma once
// What the float64 references of the op and layer tests share: small
// bipartite fixtures, neighbour lists, leaves with gradients of their own,
// and the comparison of values and gradients against a reference.

#include <gas/graph.h>

#include <ATen/ATen.h>

#include <utility>
#include <vector>

namespace gas {
namespace testing {

/// A bipartite batch-like adjacency: 5 target rows over 8 inputs, row 3
/// empty, row 4 with a single neighbour; rows are in-batch nodes 0..4.
CSR batch_fixture();

/// A 4 x 6 bipartite adjacency; row 2 has no entries, row 3 one.
CSR small_bipartite();

/// The two 1-node graphs: without an edge, and with a self-loop.
std::vector<CSR> single_node_graphs();

/// The columns of every row, read entry by entry.
std::vector<std::vector<int64_t>> neighbours(const CSR& adj);

/// A float64 leaf copy of a parameter, so the reference gets its own gradient.
at::Tensor leaf(const at::Tensor& p);

/// A Linear layer in float64 from leaves (LibTorch stores weight as [out, in]).
at::Tensor dense_linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b);

/// Expects `out` to match `ref`, and the gradients of <out, g> for a random
/// g to match for every (parameter, reference leaf) pair.
void expect_match(const at::Tensor& out, const at::Tensor& ref,
                  const std::vector<std::pair<at::Tensor, at::Tensor>>& params, double tol = 1e-5);

}  // namespace testing
}  // namespace gas
