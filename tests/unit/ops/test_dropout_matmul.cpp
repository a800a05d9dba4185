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
