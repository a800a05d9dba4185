// The dropout mask (a hash of seed and element index, checked against a loop
// written from its definition, with every CPU kernel variant) and
// nn::dropout built on it.
#include <gas/nn/functional.h>
#include <gas/ops/dropout.h>

#include "common/cpu_isa.h"
#include "common/test_utils.h"

namespace gas {
namespace {


// The mask as ops/dropout.h defines it, element by element: a pure function
// of (seed, index), which a CUDA kernel must reproduce bit for bit.
uint32_t mix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

TEST(Kernels, DropoutMaskIsTheHashOfSeedAndIndex) {
  testing::for_each_cpu_isa([&] {
    const int64_t n = (int64_t{1} << 16) + 777;  // two chunks
    const double p = 0.3;
    const uint64_t seed = 0x1234567890abcdefULL;
    const at::Tensor x = at::rand({n}, at::kDouble) + 1.0;
    const at::Tensor out = ops::dropout(x, p, seed);
    const uint32_t threshold = static_cast<uint32_t>(p * 4294967296.0);
    const double* xp = x.data_ptr<double>();
    const double* op = out.data_ptr<double>();
    int64_t mismatches = 0, kept = 0;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t chunk = i >> 16, local = i & 0xffff;
      const uint32_t key = mix32(static_cast<uint32_t>(seed) ^
                                 mix32(static_cast<uint32_t>(chunk) ^ static_cast<uint32_t>(seed >> 32)));
      const bool keep = mix32(static_cast<uint32_t>(local) * 0x9E3779B9u ^ key) >= threshold;
      const double expected = keep ? xp[i] * (1.0 / (1.0 - p)) : 0.0;
      mismatches += op[i] != expected;
      kept += keep;
    }
    EXPECT_EQ(mismatches, 0);
    EXPECT_NEAR(static_cast<double>(kept) / n, 1.0 - p, 0.01);
    // float32 (its own vector loop): the same mask, the scale in float.
    const at::Tensor xf = x.to(at::kFloat);
    EXPECT_TRUE(ops::dropout(xf, p, seed).equal(xf * static_cast<float>(1.0 / (1.0 - p)) * out.ne(0)));
  });
}

TEST(Dropout, KeepsTheRightFractionAndScales) {
  torch::manual_seed(1);
  const at::Tensor x = at::ones({1000, 300});
  for (double p : {0.1, 0.5, 0.9}) {
    const at::Tensor y = nn::dropout(x, p, /*training=*/true);
    const double kept = y.ne(0).to(at::kDouble).mean().item<double>();
    EXPECT_NEAR(kept, 1.0 - p, 0.005) << "p = " << p;
    EXPECT_NEAR(y.max().item<double>(), 1.0 / (1.0 - p), 1e-5);
    EXPECT_NEAR(y.mean().item<double>(), 1.0, 0.02);
  }
  EXPECT_TRUE(at::equal(nn::dropout(x, 0.5, /*training=*/false), x));
  EXPECT_THROW_WITH(nn::dropout(x, 1.5, true), "must be in [0, 1]");
}

TEST(Dropout, MasksAreSeededIndependentAndReusedByBackward) {
  const at::Tensor x = at::randn({64, 33});
  torch::manual_seed(5);
  const at::Tensor a = nn::dropout(x, 0.5, true);
  torch::manual_seed(5);
  const at::Tensor b = nn::dropout(x, 0.5, true);
  const at::Tensor c = nn::dropout(x, 0.5, true);
  EXPECT_TRUE(at::equal(a, b));
  EXPECT_FALSE(at::equal(a, c));
  // Neighbouring elements are not correlated: agreement of two masks is ~50%.
  EXPECT_NEAR(a.ne(0).eq(c.ne(0)).to(at::kDouble).mean().item<double>(), 0.5, 0.05);

  at::Tensor leaf = x.clone().requires_grad_(true);
  torch::manual_seed(9);
  const at::Tensor y = nn::dropout(leaf, 0.3, true);
  y.sum().backward();
  // d y / d x is the scaled mask itself.
  EXPECT_TRUE(at::allclose(leaf.grad(), y.detach().ne(0).to(at::kFloat) / 0.7));
}

}  // namespace
}  // namespace gas
