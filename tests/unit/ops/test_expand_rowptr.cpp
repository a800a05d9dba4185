// expand_rowptr against a loop over the row pointers.
#include <gas/ops/expand_rowptr.h>

#include "common/test_utils.h"

namespace gas {
namespace {

TEST(Kernels, ExpandRowptrGivesEachEntryItsRow) {
  const at::Tensor rowptr = at::tensor({0, 2, 2, 5, 6}, at::kLong);
  EXPECT_TRUE(at::equal(ops::expand_rowptr(rowptr, 6), at::tensor({0, 0, 2, 2, 2, 3}, at::kLong)));
  EXPECT_EQ(ops::expand_rowptr(at::zeros({1}, at::kLong), 0).numel(), 0);
  EXPECT_THROW_WITH(ops::expand_rowptr(rowptr, 7), "rowptr ends at 6, nnz is 7");
}

}  // namespace
}  // namespace gas
