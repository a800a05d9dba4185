#include <gas/ops/spmm_plan.h>

#include <gas/sparse_features.h>

#include "ops/spmm_plan_kernel.h"

#include <ATen/ATen.h>

namespace gas {
namespace ops {

GAS_DEFINE_KERNEL(index_columns)

int64_t ColumnIndex::nbytes() const { return tensor_nbytes(colptr) + tensor_nbytes(row) + tensor_nbytes(perm); }

ColumnIndex index_columns(const CSR& adj, int64_t first_col) {
  TORCH_CHECK(first_col >= 0 && first_col <= adj.num_cols, "index_columns: first_col ", first_col, " outside [0, ",
              adj.num_cols, "]");
  return GAS_KERNEL(index_columns, adj.device())(adj.rowptr.contiguous(), adj.col.contiguous(), adj.num_cols,
                                                  first_col);
}

SymmetryProof SymmetryProof::check(const CSR& adj) { return SymmetryProof(is_symmetric(adj)); }

std::shared_ptr<const SpMMPlan> SpMMPlan::make(const CSR& adj, const SymmetryProof& leading_block, bool index) {
  TORCH_CHECK(!leading_block.symmetric() || adj.num_cols >= adj.num_rows,
              "SpMMPlan: a symmetric leading block needs at least as many columns as rows, got ", adj.num_rows, " x ",
              adj.num_cols);
  auto plan = std::make_shared<SpMMPlan>();
  plan->symmetric_ = leading_block.symmetric();
  plan->first_col_ = plan->symmetric_ ? adj.num_rows : 0;
  if (index) plan->columns_ = index_columns(adj, plan->first_col_);
  return plan;
}

std::shared_ptr<const SpMMPlan> SpMMPlan::make(const CSR& adj) {
  auto plan = std::make_shared<SpMMPlan>();
  plan->columns_ = index_columns(adj, 0);
  return plan;
}

std::shared_ptr<const SpMMPlan> SpMMPlan::to(c10::Device device) const {
  auto plan = std::make_shared<SpMMPlan>(*this);
  for (at::Tensor* t : {&plan->columns_.colptr, &plan->columns_.row, &plan->columns_.perm})
    if (t->defined()) *t = t->to(device);
  return plan;
}

}  // namespace ops
}  // namespace gas
