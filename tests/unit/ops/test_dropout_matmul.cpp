// Dropout fused into the product: values and both gradients against float64
// references built on ops::dropout's mask (itself checked against its
// definition in test_dropout.cpp), for widths of one vector, several, and
// more than one column block, rows that straddle dropout's hash chunks, a
// short last block of rows, and no rows; nn::dropout_matmul draws the seed
// nn::dropout draws, so the fused and the composed layer agree.
#include <gas/nn/functional.h>
#include <gas/ops/dropout.h>
#include <gas/ops/dropout_matmul.h>

#include "common/cpu_isa.h"
#include "common/test_utils.h"

#include <torch/torch.h>

#include <tuple>

namespace gas {
namespace {

TEST(DropoutMatmul, ValuesAndGradientsMatchTheFloat64Composition) {
  testing::for_each_cpu_isa([&] {
    const uint64_t seed = 0x5eed5eed12345678ULL;
    for (const auto& [m, k, n] : std::vector<std::tuple<int64_t, int64_t, int64_t>>{
             {1, 1, 1}, {7, 300, 16}, {37, 3703, 16}, {50, 64, 64}, {9, 20, 100}, {5, 33, 7}, {0, 5, 3}}) {
      for (double p : {0.0, 0.5}) {
        SCOPED_TRACE(::testing::Message() << "m " << m << " k " << k << " n " << n << " p " << p);
        torch::manual_seed(static_cast<uint64_t>(m * 1000 + k));
        const at::Tensor x = at::randn({m, k}).requires_grad_();
        const at::Tensor w = at::randn({k, n}).requires_grad_();
        const at::Tensor out = ops::dropout_matmul(x, w, p, seed);
        const at::Tensor g = at::randn({m, n});
        out.backward(g);

        const at::Tensor xd = x.detach().to(at::kDouble), wd = w.detach().to(at::kDouble), gd = g.to(at::kDouble);
        const at::Tensor dropped = p > 0 ? ops::dropout(xd, p, seed) : xd;
        const double tol = 1e-5 * std::sqrt(static_cast<double>(std::max<int64_t>(k, m)));
        EXPECT_TRUE(at::allclose(out.to(at::kDouble), dropped.matmul(wd), tol, tol));
        EXPECT_TRUE(at::allclose(w.grad().to(at::kDouble), dropped.t().matmul(gd), tol, tol));
        const at::Tensor gx = gd.matmul(wd.t());
        EXPECT_TRUE(at::allclose(x.grad().to(at::kDouble), p > 0 ? ops::dropout(gx, p, seed) : gx, tol, tol));
      }
    }
  });
}

TEST(DropoutMatmul, RowsReadInPlaceEqualTheGatheredRows) {
  testing::for_each_cpu_isa([&] {
    for (double p : {0.0, 0.5}) {
      SCOPED_TRACE(::testing::Message() << "p " << p);
      torch::manual_seed(11);
      const at::Tensor x = at::randn({60, 300});
      const at::Tensor rows = at::randint(0, 60, {45}, at::kLong);  // repeats, any order
      const at::Tensor w1 = at::randn({300, 20}).requires_grad_(), w2 = w1.detach().clone().requires_grad_();
      const at::Tensor x1 = x.clone().requires_grad_(), x2 = x.clone().requires_grad_();
      const at::Tensor g = at::randn({45, 20});
      const at::Tensor in_place = ops::dropout_matmul(x1, w1, p, 77, rows);
      const at::Tensor gathered = ops::dropout_matmul(x2.index_select(0, rows), w2, p, 77);
      EXPECT_TRUE(in_place.equal(gathered));
      in_place.backward(g);
      gathered.backward(g);
      EXPECT_TRUE(w1.grad().equal(w2.grad()));
      EXPECT_TRUE(at::allclose(x1.grad(), x2.grad(), 1e-6, 1e-6));
      // Evaluation-style: no gradient kept, no mask.
      torch::NoGradGuard no_grad;
      EXPECT_TRUE(
          ops::dropout_matmul(x, w1, 0.0, 1, rows).equal(ops::dropout_matmul(x.index_select(0, rows), w1, 0.0, 1)));
    }
  });
  const at::Tensor x = at::randn({6, 10}), w = at::randn({10, 3});
  EXPECT_THROW_WITH(ops::dropout_matmul(x, w, 0.5, 1, at::tensor({0, 6}, at::kLong)), "row 6 outside x's 6 rows");
  EXPECT_THROW_WITH(ops::dropout_matmul(x, w, 0.5, 1, at::tensor({-1, 2}, at::kLong)), "row -1 outside x's 6 rows");
  EXPECT_THROW_WITH(ops::dropout_matmul(x, w, 0.5, 1, at::tensor({0, 2}, at::kInt)), "rows must be int64 [m]");
  // Other types: the gathered composition.
  const at::Tensor xd = x.to(at::kDouble), wd = w.to(at::kDouble), rows = at::tensor({4, 1, 4}, at::kLong);
  EXPECT_TRUE(at::allclose(ops::dropout_matmul(xd, wd, 0.25, 9, rows),
                           ops::dropout(xd.index_select(0, rows), 0.25, 9).matmul(wd)));
}

// The forward keeps its mask only for the weight's gradient: without grad
// mode, or with an input gradient alone, the values and that gradient are
// those of the composition all the same.
TEST(DropoutMatmul, NoMaskKeptWhereNoWeightGradientReadsIt) {
  testing::for_each_cpu_isa([&] {
    torch::manual_seed(12);
    const at::Tensor x = at::randn({40, 300}), w = at::randn({300, 16}), g = at::randn({40, 16});
    const at::Tensor reference = ops::dropout(x, 0.5, 5).matmul(w);
    {
      torch::NoGradGuard no_grad;
      EXPECT_TRUE(at::allclose(ops::dropout_matmul(x, w, 0.5, 5), reference, 1e-5, 1e-5));
    }
    const at::Tensor xg = x.clone().requires_grad_();
    const at::Tensor out = ops::dropout_matmul(xg, w, 0.5, 5);
    EXPECT_TRUE(at::allclose(out, reference, 1e-5, 1e-5));
    out.backward(g);
    EXPECT_TRUE(at::allclose(xg.grad(), ops::dropout(g.matmul(w.t()), 0.5, 5), 1e-5, 1e-5));
  });
}

TEST(DropoutMatmul, OtherTypesComposeAndBadInputIsNamed) {
  const at::Tensor x = at::randn({6, 10}, at::kDouble), w = at::randn({10, 3}, at::kDouble);
  EXPECT_TRUE(at::allclose(ops::dropout_matmul(x, w, 0.25, 9), ops::dropout(x, 0.25, 9).matmul(w)));
  EXPECT_THROW_WITH(ops::dropout_matmul(at::randn({6, 10}), at::randn({9, 3}), 0.1, 1),
                    "ops::dropout_matmul: expected x [m, k] and w [k, n]");
  EXPECT_THROW_WITH(ops::dropout_matmul(at::randn({6, 10}), at::randn({10, 3}), 1.0, 1),
                    "probability must be in [0, 1)");
}

TEST(DropoutMatmul, FusedLayerDrawsTheSeedOfTheComposedOne) {
  const at::Tensor x = at::randn({40, 500}), w = at::randn({500, 16});
  for (bool training : {true, false}) {
    torch::manual_seed(3);
    const at::Tensor fused = nn::dropout_matmul(x, w, 0.5, training);
    const at::Tensor after_fused = at::rand({1});
    torch::manual_seed(3);
    const at::Tensor composed = nn::matmul(nn::dropout(x, 0.5, training), w);
    EXPECT_TRUE(at::allclose(fused, composed, 1e-4, 1e-4));
    EXPECT_TRUE(at::equal(at::rand({1}), after_fused)) << "the two consumed different random draws";
  }
}

}  // namespace
}  // namespace gas
