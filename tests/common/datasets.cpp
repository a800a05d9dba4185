#include "common/datasets.h"

#include "common/test_utils.h"

namespace gas {
namespace testing {

std::string planetoid_dir(const std::string& name) { return data_dir() + "/Planetoid/" + name + "/raw"; }

bool symmetric(const CSR& adj) {
  const bool dense = at::equal(adj.to_dense(), adj.to_dense().t());
  EXPECT_EQ(gas::is_symmetric(adj), dense);
  return dense;
}

void expect_rows(const CSR& adj, const std::vector<std::vector<int64_t>>& rows,
                 const std::vector<std::vector<float>>& weights) {
  adj.check();
  ASSERT_EQ(adj.num_rows, static_cast<int64_t>(rows.size()));
  std::vector<int64_t> rowptr{0}, col;
  std::vector<float> value;
  for (size_t r = 0; r < rows.size(); ++r) {
    col.insert(col.end(), rows[r].begin(), rows[r].end());
    rowptr.push_back(static_cast<int64_t>(col.size()));
    if (!weights.empty()) value.insert(value.end(), weights[r].begin(), weights[r].end());
  }
  EXPECT_TRUE(at::equal(adj.rowptr, at::tensor(rowptr, at::kLong))) << adj.rowptr;
  EXPECT_TRUE(at::equal(adj.col, at::tensor(col, at::kLong))) << adj.col;
  if (weights.empty()) {
    EXPECT_FALSE(adj.has_value());
  } else {
    ASSERT_TRUE(adj.has_value());
    EXPECT_TRUE(at::allclose(adj.value, at::tensor(value, at::kFloat))) << adj.value;
  }
}

at::Tensor bools(const std::vector<int>& v) { return at::tensor(v, at::kInt).to(at::kBool); }

at::Tensor floats(const std::vector<float>& v) { return at::tensor(v, at::kFloat); }

}  // namespace testing
}  // namespace gas
