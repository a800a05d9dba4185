// Every CUDA kernel against its CPU twin (cuda/*_cuda.cu vs src/ops/cpu/),
// values and gradients, in float64 so that only the summation order can
// differ: bipartite shapes, empty rows, isolated columns, several heads.
// Skipped, in one line, where there is no device or no CUDA build.
#include <gas/ops/dropout.h>
#include <gas/ops/expand_rowptr.h>
#include <gas/ops/gather.h>
#include <gas/ops/segment_softmax.h>
#include <gas/ops/spmm.h>
#include <gas/ops/spmm_plan.h>

#include "common/test_utils.h"

#include <torch/csrc/autograd/autograd.h>

namespace gas {
namespace {

const c10::Device kCuda(c10::kCUDA, 0);

// 300 rows x 500 columns, rows 0, 7, 14, ... empty, columns past 450 never
// used, a few rows of high degree.
CSR bipartite(uint64_t seed) {
  at::manual_seed(static_cast<int64_t>(seed));
  const int64_t rows = 300, cols = 500, nnz = 4000;
  at::Tensor row = at::randint(rows, {nnz}, at::kLong), col = at::randint(450, {nnz}, at::kLong);
  row = at::where(row.remainder(7) == 0, row.remainder(5) + 1, row);
  row = at::cat({row, at::full({600}, 3, at::kLong)});
  col = at::cat({col, at::randint(450, {600}, at::kLong)});
  return coalesce(csr_from_edge_index(at::stack({row, col}), rows, cols));
}

void expect_close(const at::Tensor& cuda, const at::Tensor& cpu, const std::string& what) {
  ASSERT_TRUE(cuda.defined() && cpu.defined()) << what;
  EXPECT_EQ(cuda.device().type(), c10::kCUDA) << what;
  EXPECT_LT(testing::max_rel_diff(cuda.cpu(), cpu), 1e-10) << what;
}

struct Mode {
  ops::Reduce reduce;
  int64_t heads;  // 0: unweighted
};

TEST(CudaKernels, SpMMValuesAndGradientsMatchTheCpu) {
  GAS_REQUIRE_CUDA();
  for (const Mode m : {Mode{ops::Reduce::Sum, 0}, Mode{ops::Reduce::Mean, 0}, Mode{ops::Reduce::Sum, 1},
                       Mode{ops::Reduce::Mean, 4}, Mode{ops::Reduce::Max, 0}, Mode{ops::Reduce::Min, 0}}) {
    SCOPED_TRACE("reduce " + std::to_string(static_cast<int>(m.reduce)) + ", heads " + std::to_string(m.heads));
    CSR adj = bipartite(1);
    for (const int64_t width : {1, 37, 256}) {
      if (m.heads > 1 && width % m.heads != 0) continue;
      const at::Tensor x = at::randn({adj.num_cols, width}, at::kDouble).requires_grad_(true);
      at::Tensor value;
      if (m.heads == 1) value = at::rand({adj.nnz()}, at::kDouble);
      if (m.heads > 1) value = at::rand({adj.nnz(), m.heads}, at::kDouble);
      if (value.defined()) value.requires_grad_(true);
      const CSR cpu = adj.with_value(value);
      const at::Tensor x_cuda = x.detach().to(kCuda).requires_grad_(true);
      const at::Tensor v_cuda = value.defined() ? value.detach().to(kCuda).requires_grad_(true) : at::Tensor();
      const CSR gpu = adj.to(kCuda).with_value(v_cuda);
      const at::Tensor out = ops::spmm(cpu, x, m.reduce), out_cuda = ops::spmm(gpu, x_cuda, m.reduce);
      expect_close(out_cuda, out, "forward");
      const at::Tensor g = at::randn_like(out);
      out.backward(g);
      out_cuda.backward(g.to(kCuda));
      expect_close(x_cuda.grad(), x.grad(), "grad x");
      if (value.defined()) expect_close(v_cuda.grad(), value.grad(), "grad value");
    }
  }
}

// A symmetric graph's batches read their leading block as its own transpose
// in the backward pass; the plan moves to the device with the adjacency.
TEST(CudaKernels, SpMMBackwardThroughASymmetricPlanMatchesTheCpu) {
  GAS_REQUIRE_CUDA();
  CSR adj = testing::random_graph(400, 6.0, 3);
  adj.plan = ops::SpMMPlan::make(adj, ops::SymmetryProof::check(adj), /*index=*/true);
  const at::Tensor x = at::randn({400, 16}, at::kDouble).requires_grad_(true);
  const at::Tensor x_cuda = x.detach().to(kCuda).requires_grad_(true);
  ops::spmm(adj, x, ops::Reduce::Mean).sum().backward();
  ops::spmm(adj.to(kCuda), x_cuda, ops::Reduce::Mean).sum().backward();
  expect_close(x_cuda.grad(), x.grad(), "grad x");
}

TEST(CudaKernels, ColumnIndexAndRowExpansionEqualTheCpu) {
  GAS_REQUIRE_CUDA();
  const CSR adj = bipartite(2);
  for (const int64_t first : {int64_t{0}, int64_t{300}, int64_t{500}}) {
    const ops::ColumnIndex cpu = ops::index_columns(adj, first), gpu = ops::index_columns(adj.to(kCuda), first);
    EXPECT_TRUE(at::equal(gpu.colptr.cpu(), cpu.colptr)) << first;
    EXPECT_TRUE(at::equal(gpu.row.cpu(), cpu.row)) << first;
    EXPECT_TRUE(at::equal(gpu.perm.cpu(), cpu.perm)) << first;
  }
  EXPECT_TRUE(at::equal(ops::expand_rowptr(adj.rowptr.to(kCuda), adj.nnz()).cpu(),
                        ops::expand_rowptr(adj.rowptr, adj.nnz())));
}

TEST(CudaKernels, SegmentSoftmaxAndItsGradientMatchTheCpu) {
  GAS_REQUIRE_CUDA();
  const CSR adj = bipartite(4);
  for (const int64_t heads : {1, 3}) {
    const at::Tensor src = (3 * at::randn({adj.nnz(), heads}, at::kDouble)).requires_grad_(true);
    const at::Tensor src_cuda = src.detach().to(kCuda).requires_grad_(true);
    const at::Tensor out = ops::segment_softmax(src, adj.rowptr);
    const at::Tensor out_cuda = ops::segment_softmax(src_cuda, adj.rowptr.to(kCuda));
    expect_close(out_cuda, out, "softmax");
    const at::Tensor g = at::randn_like(out);
    out.backward(g);
    out_cuda.backward(g.to(kCuda));
    expect_close(src_cuda.grad(), src.grad(), "softmax grad");
  }
}

// The mask is a function of (seed, index): the same elements drop on both.
TEST(CudaKernels, DropoutDropsTheSameElementsAsTheCpu) {
  GAS_REQUIRE_CUDA();
  const at::Tensor x = at::randn({3 * 65536 + 11}, at::kFloat);
  for (const double p : {0.1, 0.5, 0.9}) {
    EXPECT_TRUE(at::equal(ops::dropout(x.to(kCuda), p, 42).cpu(), ops::dropout(x, p, 42))) << p;
  }
}

TEST(CudaKernels, RowGatherEqualsTheCpuForEveryRowWidth) {
  GAS_REQUIRE_CUDA();
  const at::Tensor index = at::randint(1000, {5000}, at::kLong);
  for (const int64_t width : {1, 3, 4, 64, 255}) {
    const at::Tensor src = at::randn({1000, width});
    EXPECT_TRUE(at::equal(ops::gather_rows(src.to(kCuda), index.to(kCuda)).cpu(), ops::gather_rows(src, index)))
        << width;
  }
  const at::Tensor empty = ops::gather_rows(at::randn({10, 4}).to(kCuda), at::empty({0}, at::kLong).to(kCuda));
  EXPECT_EQ(empty.sizes(), (at::IntArrayRef{0, 4}));
}

}  // namespace
}  // namespace gas
