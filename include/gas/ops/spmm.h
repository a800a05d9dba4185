#pragma once
/// \file
/// Sparse-dense matrix product, the aggregation step of message passing.

#include <gas/graph.h>
#include <gas/macros.h>

namespace gas {
namespace ops {

enum class Reduce { Sum, Mean, Min, Max };

/// Parses "sum", "mean", "min" or "max".
GAS_API Reduce parse_reduce(const std::string& name);

/// out[r] = reduce over entries e of row r of  value[e] * x[col[e]].
///
/// `x` is [num_cols, F]. When adj.value is [nnz, H] (one weight per head, as
/// GAT produces), F must be a multiple of H and head h weights the feature
/// slice [h * F/H, (h+1) * F/H). Mean divides by the number of stored entries
/// of the row. Min and Max take the element-wise extreme of the unweighted
/// neighbour rows (edge values are rejected) and pass the gradient to the
/// first neighbour attaining it. Rows without entries give zeros for every
/// reduction.
///
/// Differentiable with respect to `x` and, for Sum and Mean, to adj.value
/// (when it requires grad). Float and double; CPU (parallel over rows). The
/// backward pass of Sum and Mean needs A^T: when adj.plan proves the leading
/// block symmetric it reads that block as its own transpose (as fast as the
/// forward pass) and needs A^T only for the remaining columns (a batch's
/// halo); those, or every column without symmetry, come from the plan's
/// column index when it has one, or are indexed in the pass (see
/// spmm_plan.h).
GAS_API at::Tensor spmm(const CSR& adj, const at::Tensor& x, Reduce reduce = Reduce::Sum);

/// spmm's Sum or Mean written into `out` ([num_rows, F], contiguous, x's type
/// and device), for inference loops that reuse one buffer: a fresh output of
/// a large graph costs a page fault per page. With 4 KiB pages, a 1M x 64
/// output took 50-170% more time than the product into a reused one; with
/// huge pages (see tune_process), 30-60% more. Records no gradient, so it
/// refuses inputs that require one while grad mode is on.
GAS_API at::Tensor& spmm_out(at::Tensor& out, const CSR& adj, const at::Tensor& x, Reduce reduce = Reduce::Sum);

}  // namespace ops
}  // namespace gas
