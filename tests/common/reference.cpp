#include "common/reference.h"

#include "common/test_utils.h"

namespace gas {
namespace testing {

CSR batch_fixture() {
  const at::Tensor ei = at::tensor({0, 0, 0, 1, 1, 1, 2, 2, 4, 0, 1, 6, 1, 2, 7, 2, 5, 4}, at::kLong).view({2, 9});
  return csr_from_edge_index(ei, 5, 8);
}

CSR small_bipartite() {
  const at::Tensor ei = at::tensor({0, 0, 0, 1, 1, 3, 1, 4, 5, 0, 2, 5}, at::kLong).view({2, 6});
  return csr_from_edge_index(ei, 4, 6);
}

std::vector<CSR> single_node_graphs() {
  return {CSR{at::zeros({2}, at::kLong), at::empty({0}, at::kLong), {}, 1, 1},
          csr_from_edge_index(at::zeros({2, 1}, at::kLong), 1, 1)};
}

std::vector<std::vector<int64_t>> neighbours(const CSR& adj) {
  std::vector<std::vector<int64_t>> out(adj.num_rows);
  for (int64_t r = 0; r < adj.num_rows; ++r)
    for (int64_t e = adj.rowptr[r].item<int64_t>(); e < adj.rowptr[r + 1].item<int64_t>(); ++e)
      out[r].push_back(adj.col[e].item<int64_t>());
  return out;
}

at::Tensor leaf(const at::Tensor& p) { return p.detach().to(at::kDouble).requires_grad_(true); }

at::Tensor dense_linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  at::Tensor y = x.matmul(w.t());
  return b.defined() ? y + b : y;
}

void expect_match(const at::Tensor& out, const at::Tensor& ref,
                  const std::vector<std::pair<at::Tensor, at::Tensor>>& params, double tol) {
  ASSERT_EQ(out.sizes(), ref.sizes());
  EXPECT_LT(max_rel_diff(out, ref), tol);
  EXPECT_TRUE(at::isfinite(out).all().item<bool>());
  const at::Tensor g = at::randn(ref.sizes(), at::kDouble);
  (out * g.to(out.scalar_type())).sum().backward();
  (ref * g).sum().backward();
  for (size_t i = 0; i < params.size(); ++i) {
    ASSERT_TRUE(params[i].first.grad().defined()) << "parameter " << i;
    EXPECT_LT(max_rel_diff(params[i].first.grad(), params[i].second.grad()), tol) << "parameter " << i;
  }
}

}  // namespace testing
}  // namespace gas
